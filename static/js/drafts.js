// Text typed in a line and not saved, kept in this browser (localStorage) until it is saved or
// dropped, so that a page left, reloaded or closed loses nothing. A draft remembers the revision it
// was typed over: saved later, it is refused if someone changed the line meanwhile.
window.Drafts = (function () {
  const PREFIX = "htr-draft:";
  const key = (pageId, lineId) => PREFIX + pageId + ":" + lineId;

  function read(name) {
    try {
      const draft = JSON.parse(localStorage.getItem(name));
      return draft && typeof draft.text === "string" ? draft : null;
    } catch (error) {
      return null;
    }
  }

  return {
    get: (pageId, lineId) => read(key(pageId, lineId)),
    put(pageId, lineId, text, revision) {
      try {
        localStorage.setItem(key(pageId, lineId), JSON.stringify({ text, revision: Number(revision), at: Date.now() }));
        return true;
      } catch (error) {
        return false; // storage full or off: the leave-page prompt still guards the text
      }
    },
    drop: (pageId, lineId) => localStorage.removeItem(key(pageId, lineId)),
    // The ids of the lines of a page that hold a draft.
    lineIds(pageId) {
      const start = PREFIX + pageId + ":";
      return Object.keys(localStorage).filter((name) => name.startsWith(start)).map((name) => name.slice(start.length));
    },
    // How many drafts each page holds, by page id.
    countsByPage() {
      const counts = {};
      for (let i = 0; i < localStorage.length; i++) {
        const name = localStorage.key(i);
        if (!name || !name.startsWith(PREFIX)) continue;
        const pageId = name.slice(PREFIX.length).split(":")[0];
        counts[pageId] = (counts[pageId] || 0) + 1;
      }
      return counts;
    },
  };
})();
