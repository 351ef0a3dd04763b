// While this page is still being segmented or read, poll the document's status and show what each
// finished step brings (its lines, then their text): reload at once when nothing is typed, else offer a reload.
(function () {
  const note = document.getElementById("page-progress");
  if (!note) return;
  const pageId = note.dataset.pageId;
  const readAt = Date.parse(note.dataset.readAt); // when the server read the lines shown

  function offerReload() {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Show them";
    button.addEventListener("click", () => location.reload());
    note.replaceChildren("New readings of this page are ready. What you typed and did not save is kept and shown again. ", button);
  }

  async function poll() {
    let status;
    try {
      const response = await fetch(note.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      status = await response.json();
    } catch (error) {
      note.hidden = false;
      note.textContent = "Could not get this page's progress (" + error.message + "); trying again…";
      setTimeout(poll, 3000);
      return;
    }
    const mine = status.jobs.filter((job) => job.page === pageId);
    const pending = mine.filter((job) => job.state !== "done" && job.state !== "failed");
    const finishedSince = mine.some((job) => job.finished && Date.parse(job.finished) > readAt);
    if (finishedSince) {
      if (window.unsavedLineNumber()) offerReload();
      else location.reload();
      return;
    }
    if (!pending.length) return;
    note.hidden = false;
    note.textContent = "This page is still being processed (step: " + pending[0].step.toLowerCase() + ", " +
      Math.round(pending[0].progress * 100) + "%). What it finds appears here.";
    setTimeout(poll, 1500);
  }
  poll();
})();
