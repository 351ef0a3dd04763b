// Review a page: one text field per line, with the characters the model doubted shaded inside it;
// move with Enter (save), Tab, F8 and clicks on the scan; save with the revision seen and refuse
// stale saves; keep what is typed as a draft until it is saved or dropped. On a prescription, the
// spans flagged (drug names, doses) are underlined in red with their reasons below the line:
// Ctrl+Enter confirms them, a suggestion corrects one; a line's earlier versions can be made current again.

// A line's API address, from an address the page was given for the line of id zero.
window.forLine = (url, id) => url.replace("00000000-0000-0000-0000-000000000000", id);

// The number of the first line whose field holds text not saved, else null: the page's other
// scripts ask before they reload it.
window.unsavedLineNumber = function () {
  const fields = Array.from(document.querySelectorAll("textarea.line-text"));
  const index = fields.findIndex((field) => field.value !== field.defaultValue);
  return index < 0 ? null : index + 1;
};

(function () {
  const list = document.getElementById("line-list");
  if (!list) return;
  const svg = document.getElementById("scan");
  const pageId = list.dataset.pageId;
  const low = Number(list.dataset.lowConfidence);
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const items = Array.from(list.querySelectorAll("li.line"));
  const canEdit = list.dataset.canEdit !== "false";
  const shapeOf = (item) => svg.querySelector('polygon[data-line-id="' + item.dataset.lineId + '"]');
  const fieldOf = (item) => item.querySelector("textarea.line-text");
  const lineId = (item) => item.dataset.lineId;

  // --- the field: shading of doubted characters, height that follows the wrapped text ---

  // The model's reading and its confidences; a person's edit keeps the shading of the characters
  // before and after what they changed, and nothing where they typed.
  function confidencesFor(item, text) {
    if (!item.dataset.confidences) return [];
    const base = fieldOf(item).dataset.modelText, confidences = JSON.parse(item.dataset.confidences);
    if (confidences.length !== base.length) return [];
    let start = 0;
    while (start < text.length && start < base.length && text[start] === base[start]) start++;
    let end = 0;
    while (end < text.length - start && end < base.length - start &&
           text[text.length - 1 - end] === base[base.length - 1 - end]) end++;
    return Array.from(text, (_, i) => i < start ? confidences[i]
                                    : i >= text.length - end ? confidences[base.length - (text.length - i)] : null);
  }

  // The characters inside a flag nobody confirmed, while the text is the one the flags were found on.
  function flaggedAt(item, text) {
    const flagged = new Set();
    if (!item.dataset.flags || text !== fieldOf(item).defaultValue) return flagged;
    JSON.parse(item.dataset.flags).filter((flag) => !flag.confirmed)
      .forEach((flag) => { for (let i = flag.start; i < flag.end; i++) flagged.add(i); });
    return flagged;
  }

  function shade(item) {
    const field = fieldOf(item), shading = item.querySelector(".shading");
    const text = field.value, confidences = confidencesFor(item, text), flagged = flaggedAt(item, text);
    const parts = [];
    let plain = "";
    for (let i = 0; i < text.length; i++) {
      const c = confidences[i], doubted = c != null && c < low;
      if (!doubted && !flagged.has(i)) {
        plain += text[i];
        continue;
      }
      if (plain) parts.push(document.createTextNode(plain));
      plain = "";
      const mark = document.createElement("mark");
      mark.textContent = text[i];
      if (doubted) {
        // darker the less sure: from a light tint just under the level to full colour at 0
        mark.style.setProperty("--doubt", (0.25 + 0.75 * (low - c) / low).toFixed(2));
        mark.className = c < 0.5 ? "doubt strong" : "doubt";
      }
      if (flagged.has(i)) mark.classList.add("flagged");
      parts.push(mark);
    }
    parts.push(document.createTextNode(plain + "\u200b")); // a trailing space or newline keeps its width
    shading.replaceChildren(...parts);
    item.dataset.marked = parts.length - 1;
    item.classList.toggle("flagged", flagged.size > 0);
    fit(field);
  }

  // --- flags (prescriptions) ---

  // The flags of the line's current text, as the API gives them: the spans marked in the text, the
  // reasons and suggestions listed below it.
  function showFlags(item, flags) {
    if (flags.length) item.dataset.flags = JSON.stringify(flags.map((flag) =>
      ({ start: flag.start, end: flag.end, confirmed: Boolean(flag.confirmed_at) })));
    else delete item.dataset.flags;
    const entries = flags.map((flag) => {
      const entry = document.createElement("li");
      entry.className = "flag" + (flag.confirmed_at ? " confirmed" : "");
      entry.dataset.flagId = flag.id;
      const token = document.createElement("b");
      token.className = "flag-token";
      token.textContent = flag.token;
      entry.append(token, " " + flag.reason);
      flag.suggestions.forEach((name) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "small suggestion";
        Object.assign(button.dataset, { suggestion: name, start: flag.start, end: flag.end });
        button.textContent = name;
        entry.append(" ", button);
      });
      if (flag.confirmed_at) {
        const by = document.createElement("span");
        by.className = "confirmed-by";
        by.textContent = "confirmed by " + (flag.confirmed_by || "(a removed account)");
        entry.append(" ", by);
      }
      return entry;
    });
    item.querySelector("ul.flags").replaceChildren(...entries);
    shade(item);
    showFlagCount();
  }

  function openFlags(item) {
    return item.dataset.flags ? JSON.parse(item.dataset.flags).filter((flag) => !flag.confirmed).length : 0;
  }

  function showFlagCount() {
    const count = document.getElementById("flag-count");
    if (!count) return;
    const open = items.reduce((sum, item) => sum + openFlags(item), 0);
    count.firstChild.textContent = open ? "⚑ " + open + " to confirm " : "All flags confirmed ";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    return { response, body: await response.json().catch(() => ({})) };
  }

  // Ctrl+Enter: the person checked the flagged spans of the saved text against the scan.
  async function confirmFlags(item) {
    const field = fieldOf(item);
    if (!openFlags(item)) return setStatus(item, "No flag to confirm on this line.", "ok");
    if (field.value !== field.defaultValue) {
      return setStatus(item, "Your changes are not saved: press Enter to save them (the new text is checked again), " +
                             "or drop them to confirm the flags of the saved text.", "error");
    }
    setStatus(item, "Confirming…");
    let answer;
    try {
      answer = await post(window.forLine(window.LINE_FLAGS_CONFIRM_API, lineId(item)), { revision: Number(item.dataset.revision) });
    } catch (error) {
      return setStatus(item, "Not confirmed: the server could not be reached.", "error");
    }
    if (answer.response.ok) {
      showFlags(item, answer.body.flags);
      return setStatus(item, "Flags confirmed.", "ok");
    }
    if (answer.response.status === 409 && answer.body.current_text !== undefined) return showConflict(item, answer.body);
    setStatus(item, "Not confirmed: " + (answer.body.detail || "error " + answer.response.status), "error");
  }

  // A suggestion picked: the flagged span of the saved text becomes it, and the line is saved (and checked again).
  async function pickSuggestion(item, button) {
    const field = fieldOf(item);
    if (field.value !== field.defaultValue) {
      return setStatus(item, "Your changes are not saved: save or drop them before picking a suggestion.", "error");
    }
    const text = field.defaultValue, start = Number(button.dataset.start), end = Number(button.dataset.end);
    field.value = text.slice(0, start) + button.dataset.suggestion + text.slice(end);
    keepDraft(item);
    shade(item);
    await save(item, item.dataset.revision);
    focusItem(item);
  }

  async function revert(item, versionId) {
    if (fieldOf(item).value !== fieldOf(item).defaultValue) {
      return setStatus(item, "Your changes are not saved: save or drop them before going back to an earlier version.", "error");
    }
    const answer = await post(window.forLine(window.LINE_REVERT_API, lineId(item)),
                              { version: Number(versionId), revision: Number(item.dataset.revision) });
    if (answer.response.ok) return location.reload(); // the history and the text's shading as stored
    if (answer.response.status === 409 && answer.body.current_text !== undefined) return showConflict(item, answer.body);
    setStatus(item, "Not reverted: " + (answer.body.detail || "error " + answer.response.status), "error");
  }

  function fit(field) {
    field.style.height = "auto";
    field.style.height = field.scrollHeight + field.offsetHeight - field.clientHeight + "px"; // and its borders
  }

  // --- moving between lines ---

  function activate(item) {
    items.forEach((other) => {
      other.classList.toggle("active", other === item);
      shapeOf(other).classList.toggle("active", other === item);
    });
    item.scrollIntoView({ block: "nearest" });
    if (window.ScanView) window.ScanView.show(shapeOf(item).getBBox());
  }

  function focusItem(item) {
    if (!item) return;
    const field = fieldOf(item);
    field.focus({ preventScroll: true });
    field.setSelectionRange(field.value.length, field.value.length);
    activate(item);
  }

  function setStatus(item, message, kind) {
    const status = item.querySelector(".status");
    status.replaceChildren(document.createTextNode(message));
    status.className = "status " + (kind || "");
    return status;
  }

  // --- drafts ---

  function keepDraft(item) {
    const field = fieldOf(item);
    const unsaved = field.value !== field.defaultValue;
    if (unsaved) window.Drafts.put(pageId, lineId(item), field.value, item.dataset.draftRevision || item.dataset.revision);
    else window.Drafts.drop(pageId, lineId(item));
    item.classList.toggle("draft", unsaved);
    item.querySelector(".drop-draft").hidden = !unsaved;
  }

  function dropDraft(item) {
    const field = fieldOf(item);
    field.value = field.defaultValue;
    delete item.dataset.draftRevision;
    keepDraft(item);
    shade(item);
    setStatus(item, "Your unsaved text was dropped.", "ok");
  }

  function restoreDraft(item) {
    const draft = window.Drafts.get(pageId, lineId(item));
    const field = fieldOf(item);
    if (!draft) return;
    if (draft.text === field.defaultValue) return window.Drafts.drop(pageId, lineId(item));
    field.value = draft.text;
    item.dataset.draftRevision = draft.revision;
    item.classList.add("draft");
    item.querySelector(".drop-draft").hidden = false;
    const changed = String(draft.revision) !== item.dataset.revision;
    const status = setStatus(item, changed
      ? "Your unsaved text, kept from before; the line has changed since (read again, or saved by someone). Enter shows both. "
      : "Your unsaved text, kept from before: Enter saves it. ", "draft");
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "link";
    drop.textContent = "Drop it";
    drop.addEventListener("click", () => dropDraft(item));
    status.append(drop);
  }

  // --- saving ---

  async function save(item, revision) {
    const field = fieldOf(item);
    setStatus(item, "Saving…");
    let response;
    try {
      response = await fetch(window.forLine(window.LINE_API, lineId(item)), {
        method: "PATCH",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({ text: field.value, revision: Number(revision) }),
        credentials: "same-origin",
      });
    } catch (error) {
      setStatus(item, "Not saved: the server could not be reached. Your text is kept here; press Enter to try again.", "error");
      return false;
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      item.dataset.revision = body.revision;
      delete item.dataset.draftRevision;
      field.defaultValue = field.value;
      keepDraft(item);
      const source = item.querySelector(".source");
      source.textContent = "Person · " + (body.author || "you");
      source.className = "source human";
      // The person's text replaces the model's reading: its doubts no longer apply to it.
      delete item.dataset.confidences;
      if (body.flags) showFlags(item, body.flags);
      item.classList.remove("unsure");
      item.classList.add("checked", "saved");
      shapeOf(item).classList.remove("unsure");
      shade(item);
      showCounts();
      setStatus(item, "Saved (version " + body.revision + ").", "ok");
      return true;
    }
    if (response.status === 409) {
      showConflict(item, body);
    } else {
      setStatus(item, "Not saved: " + (body.detail || "error " + response.status) + " Your text is kept here.", "error");
    }
    return false;
  }

  function showConflict(item, body) {
    const status = setStatus(item, body.detail + " Newer text: “" + body.current_text + "”. ", "error");
    const keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = "Save mine over it";
    keep.addEventListener("click", () => save(item, body.current_revision));
    const take = document.createElement("button");
    take.type = "button";
    take.textContent = "Use the newer text";
    take.addEventListener("click", () => {
      const field = fieldOf(item);
      field.value = field.defaultValue = body.current_text;
      item.dataset.revision = body.current_revision;
      delete item.dataset.draftRevision;
      keepDraft(item);
      shade(item);
      setStatus(item, "Showing the newer text.", "ok");
    });
    status.append(keep, " ", take);
  }

  // The bar's "N of M checked · K to look at first", as lines are saved.
  function showCounts() {
    const counts = document.getElementById("line-counts");
    const checked = items.filter((item) => item.classList.contains("checked")).length;
    const unsure = items.filter((item) => item.classList.contains("unsure")).length;
    counts.replaceChildren(checked + " of " + items.length + " checked");
    if (!unsure) return;
    const first = document.createElement("b");
    first.className = "unsure";
    first.textContent = unsure + " to look at first";
    counts.append(" · ", first);
  }

  // --- the line's menu ---

  function openMenu(item) {
    const menu = item.querySelector("details.line-menu");
    menu.open = true;
    const first = menu.querySelector(".menu-items button:not([hidden])");
    if (first) first.focus();
  }

  items.forEach((item, index) => {
    const field = fieldOf(item);
    field.dataset.modelText = field.defaultValue;
    field.addEventListener("focus", () => activate(item));
    field.addEventListener("input", () => {
      if (field.value.includes("\n")) field.value = field.value.replace(/\s*\n\s*/g, " "); // a line is one line
      keepDraft(item);
      shade(item);
    });
    field.addEventListener("keydown", async (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (canEdit) await confirmFlags(item);
        else setStatus(item, "Shared with you to read and export: only the owner and editors confirm flags.", "error");
      } else if (event.key === "Enter" && !event.altKey) {
        event.preventDefault();
        if (!canEdit) setStatus(item, "Shared with you to read and export: only the owner and editors correct it.", "error");
        else if (await save(item, item.dataset.draftRevision || item.dataset.revision)) focusItem(items[index + 1]);
      } else if (event.key === "Tab" && !event.altKey && !event.ctrlKey) {
        const next = items[index + (event.shiftKey ? -1 : 1)];
        if (next) {
          event.preventDefault();
          focusItem(next);
        }
      } else if (event.key === "Escape") {
        field.blur();
      } else if (event.altKey && (event.key === "m" || event.key === "M" || event.code === "KeyM")) {
        event.preventDefault();
        openMenu(item);
      }
    });
    item.querySelector(".drop-draft").addEventListener("click", () => {
      item.querySelector("details.line-menu").open = false;
      dropDraft(item);
      focusItem(item);
    });
    item.querySelector("details.line-menu").addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.currentTarget.open = false;
        focusItem(item);
      }
    });
    item.addEventListener("click", (event) => {
      const suggestion = event.target.closest("button.suggestion"), back = event.target.closest("button.revert");
      if (suggestion && canEdit) pickSuggestion(item, suggestion);
      else if (back) revert(item, back.closest("li[data-version-id]").dataset.versionId);
      else if (!event.target.closest("textarea, button, summary, details, a")) focusItem(item);
    });
    restoreDraft(item);
    shade(item);
  });
  // A draft of a line removed since (not a line, a page read again) has nowhere to go.
  const present = new Set(items.map(lineId));
  window.Drafts.lineIds(pageId).filter((id) => !present.has(id)).forEach((id) => window.Drafts.drop(pageId, id));
  // Widths change with the window, and with them where the lines wrap.
  window.addEventListener("resize", () => items.forEach((item) => fit(fieldOf(item))));

  // Leaving with text not saved asks first (the drafts keep it even if the person leaves).
  window.addEventListener("beforeunload", (event) => {
    if (!window.unsavedLineNumber()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // A click anywhere in a line's box on the scan selects it: polygons hug the ink,
  // and a click between two words should not miss.
  function itemAt(event) {
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const p = point.matrixTransform(svg.getScreenCTM().inverse());
    let best = null, bestArea = Infinity;
    for (const item of items) {
      const box = shapeOf(item).getBBox();
      const inside = p.x >= box.x && p.x <= box.x + box.width && p.y >= box.y && p.y <= box.y + box.height;
      if (inside && box.width * box.height < bestArea) {
        best = item;
        bestArea = box.width * box.height;
      }
    }
    return best;
  }
  svg.addEventListener("click", (event) => focusItem(itemAt(event)));

  // The unchecked lines the model expects errors on, most expected errors first: F8 goes to the
  // one after the active line in that order, round again at the end.
  function nextUnsure() {
    const order = items.filter((item) => item.classList.contains("unsure"))
      .sort((a, b) => Number(b.dataset.expectedErrors) - Number(a.dataset.expectedErrors));
    const active = items.find((item) => item.classList.contains("active")) || items[0];
    if (!order.length) {
      if (active) setStatus(active, "No unsure lines left to check on this page.", "ok");
      return;
    }
    focusItem(order[(order.indexOf(active) + 1) % order.length]);
  }
  document.getElementById("next-unsure").addEventListener("click", nextUnsure);

  const keys = document.getElementById("keys-dialog");
  document.getElementById("keys-button").addEventListener("click", () => keys.showModal());
  document.addEventListener("keydown", (event) => {
    if (event.key === "F8") {
      event.preventDefault();
      nextUnsure();
    } else if (event.key === "?" && !event.target.closest("textarea, input, select") && !keys.open) {
      event.preventDefault();
      keys.showModal();
    }
  });
  // A link to one line (a search result) opens the page at that line.
  focusItem(items.find((item) => "#" + item.id === location.hash) || items[0]);
})();
