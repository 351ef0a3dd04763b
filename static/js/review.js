// Review a page: move through lines (click, Enter, Tab), save with the revision seen, refuse stale saves.

// A line's API address, from an address the page was given for the line of id zero.
window.forLine = (url, id) => url.replace("00000000-0000-0000-0000-000000000000", id);

// The number of the first line whose box holds text not saved, else null: the page's other
// scripts ask before they reload it.
window.unsavedLineNumber = function () {
  const inputs = Array.from(document.querySelectorAll("input.line-text"));
  const index = inputs.findIndex((input) => input.value !== input.defaultValue);
  return index < 0 ? null : index + 1;
};

(function () {
  const list = document.getElementById("line-list");
  if (!list) return;
  const svg = document.getElementById("scan");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const items = Array.from(list.querySelectorAll("li.line"));
  const shapeOf = (id) => svg.querySelector('polygon[data-line-id="' + id + '"]');

  function activate(item) {
    items.forEach((other) => {
      other.classList.toggle("active", other === item);
      shapeOf(other.dataset.lineId).classList.toggle("active", other === item);
    });
    item.scrollIntoView({ block: "nearest" });
    shapeOf(item.dataset.lineId).scrollIntoView({ block: "nearest" });
  }

  function focusItem(item) {
    if (!item) return;
    const input = item.querySelector("input.line-text");
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  function setStatus(item, message, kind) {
    const status = item.querySelector(".status");
    status.replaceChildren(document.createTextNode(message));
    status.className = "status " + (kind || "");
    return status;
  }

  async function save(item, revision) {
    const input = item.querySelector("input.line-text");
    setStatus(item, "Saving…");
    let response;
    try {
      response = await fetch(window.forLine(window.LINE_API, item.dataset.lineId), {
        method: "PATCH",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({ text: input.value, revision: Number(revision) }),
        credentials: "same-origin",
      });
    } catch (error) {
      setStatus(item, "Not saved: the server could not be reached. Your text is still here; press Enter to try again.", "error");
      return false;
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      item.dataset.revision = body.revision;
      input.defaultValue = input.value;
      const source = item.querySelector(".source");
      source.textContent = "Person · " + (body.author || "you");
      source.className = "source human";
      // The person's text replaces the model's reading: its doubts no longer apply to it.
      item.querySelectorAll(".confidence, .reading").forEach((node) => node.remove());
      shapeOf(item.dataset.lineId).classList.remove("unsure");
      item.classList.add("saved");
      setStatus(item, "Saved (version " + body.revision + ").", "ok");
      return true;
    }
    if (response.status === 409) {
      showConflict(item, body);
    } else {
      setStatus(item, "Not saved: " + (body.detail || "error " + response.status) + " Your text is still here.", "error");
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
      const input = item.querySelector("input.line-text");
      input.value = input.defaultValue = body.current_text;
      item.dataset.revision = body.current_revision;
      setStatus(item, "Showing the newer text.", "ok");
    });
    status.append(keep, " ", take);
  }

  items.forEach((item, index) => {
    const input = item.querySelector("input.line-text");
    input.addEventListener("focus", () => activate(item));
    input.addEventListener("keydown", async (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (await save(item, item.dataset.revision)) focusItem(items[index + 1]);
    });
    item.addEventListener("click", (event) => {
      if (event.target !== input && event.target.tagName !== "BUTTON") focusItem(item);
    });
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
      const box = shapeOf(item.dataset.lineId).getBBox();
      const inside = p.x >= box.x && p.x <= box.x + box.width && p.y >= box.y && p.y <= box.y + box.height;
      if (inside && box.width * box.height < bestArea) {
        best = item;
        bestArea = box.width * box.height;
      }
    }
    return best;
  }
  svg.addEventListener("click", (event) => focusItem(itemAt(event)));

  // The next line (after the active one, wrapping round) whose model reading has doubtful characters.
  function nextUnsure() {
    const start = items.findIndex((item) => item.classList.contains("active"));
    for (let step = 1; step <= items.length; step++) {
      const item = items[(start + step) % items.length];
      if (shapeOf(item.dataset.lineId).classList.contains("unsure")) return focusItem(item);
    }
    const active = items[start] || items[0];
    if (active) setStatus(active, "No unsure lines left to check on this page.", "ok");
  }
  document.getElementById("next-unsure").addEventListener("click", nextUnsure);
  document.addEventListener("keydown", (event) => {
    if (event.key === "F8") {
      event.preventDefault();
      nextUnsure();
    }
  });
  // A link to one line (a search result) opens the page at that line.
  focusItem(items.find((item) => "#" + item.id === location.hash) || items[0]);
})();
