// Fix what the segmenter got wrong: drag a box round a line it missed (the model then reads it),
// drag a new box round a line it cut wrongly, or remove a line that is not text; the page reloads
// to show the change, so unsaved text blocks it.
// Places of ink no line covers are shown, made lines to be read, or dismissed when they hold no text.
(function () {
  const svg = document.getElementById("scan");
  const drawButton = document.getElementById("draw-line");
  if (!svg || !drawButton) return;
  const topStatus = document.getElementById("line-edit-status");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;

  function say(where, message, kind) {
    where.textContent = message;
    where.className = where === topStatus ? kind || "" : "status " + (kind || "");
  }

  function blockedByUnsavedText(where) {
    const unsaved = window.unsavedLineNumber();
    if (unsaved) say(where, "Save line " + unsaved + " first (Enter) or undo your change there: the page reloads after this.", "error");
    return Boolean(unsaved);
  }

  async function change(url, method, body, where) {
    if (blockedByUnsavedText(where)) return false;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: body ? JSON.stringify(body) : undefined,
        credentials: "same-origin",
      });
    } catch (error) {
      say(where, "The server could not be reached; nothing was changed.", "error");
      return false;
    }
    if (response.ok) {
      location.reload();
      return true;
    }
    const answer = await response.json().catch(() => ({}));
    say(where, answer.detail || "Nothing was changed (error " + response.status + ").", "error");
    return false;
  }

  // Drawing: a box from where the pointer goes down to where it comes up, in page pixels,
  // round a missed line, or round the line of the list item ``target`` when it is redrawn.
  let drawing = false, start = null, rect = null, target = null;
  const numberOf = (item) => item.querySelector(".number").textContent;
  const shapeOf = (item) => svg.querySelector('polygon.line-shape[data-line-id="' + item.dataset.lineId + '"]');

  function toPage(event) {
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  const direction = document.getElementById("draw-direction");

  function setDrawing(on, item = null) {
    if (target) shapeOf(target).classList.remove("redrawn");
    drawing = on;
    target = on ? item : null;
    direction.hidden = !on;
    svg.classList.toggle("drawing", on);
    drawButton.textContent = on ? "Cancel" : "Draw a missed line";
    if (target) {
      direction.querySelector("select").value = target.dataset.direction;
      shapeOf(target).classList.add("redrawn");
      shapeOf(target).scrollIntoView({ block: "center" });
    }
    const where = target ? "a new box round line " + numberOf(target) : "a box round the missed line";
    say(topStatus, on ? "Drag " + where + " on the scan, tall letters and all: it is fitted to the writing (Esc: cancel)." : "");
    if (!on && rect) rect.remove();
  }

  function stretch(to) {
    rect.setAttribute("x", Math.min(start.x, to.x));
    rect.setAttribute("y", Math.min(start.y, to.y));
    rect.setAttribute("width", Math.abs(to.x - start.x));
    rect.setAttribute("height", Math.abs(to.y - start.y));
  }

  drawButton.addEventListener("click", () => setDrawing(!drawing));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && drawing && !start) setDrawing(false);
  });
  svg.addEventListener("pointerdown", (event) => {
    if (!drawing) return;
    event.preventDefault();
    if (rect) rect.remove();
    start = toPage(event);
    rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    rect.setAttribute("class", "drawn");
    svg.append(rect);
    stretch(start);
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener("pointermove", (event) => {
    if (start) stretch(toPage(event));
  });
  svg.addEventListener("pointerup", async (event) => {
    if (!start) return;
    const end = toPage(event);
    const box = [start.x, start.y, end.x, end.y].map(Math.round);
    start = null;
    const body = { box, direction: direction.querySelector("select").value };
    say(topStatus, target ? "Moving line " + numberOf(target) + " to its new box…" : "Adding the line…");
    const done = target
      ? await change(window.forLine(window.LINE_BOX_API, target.dataset.lineId), "PUT", body, topStatus)
      : await change(window.PAGE_LINES_API, "POST", body, topStatus);
    if (!done) rect.remove();
  });
  // While drawing, a click on the scan is not a click on a line.
  svg.addEventListener("click", (event) => drawing && event.stopImmediatePropagation(), true);

  const placeShape = (id) => svg.querySelector('polygon.unread[data-place-id="' + id + '"]');
  document.querySelectorAll("#unread-places li, #dismissed-places li").forEach((item) => {
    item.querySelector(".show-place").addEventListener("click", () => {
      svg.querySelectorAll("polygon.unread.shown").forEach((other) => other.classList.remove("shown"));
      const shape = placeShape(item.dataset.placeId);
      shape.classList.add("shown");
      shape.scrollIntoView({ block: "center" });
    });
    const mark = item.querySelector(".mark-place");
    mark.addEventListener("click", () => {
      const url = window.UNREAD_INK_API.replace(/0\/$/, item.dataset.placeId + "/");
      change(url, "PATCH", { dismissed: mark.dataset.dismissed === "true" }, topStatus);
    });
    item.querySelectorAll(".read-place").forEach((read) => read.addEventListener("click", () => {
      say(topStatus, "Making place " + item.dataset.placeId + " a line…");
      const url = window.UNREAD_INK_READ_API.replace(/0\/read\/$/, item.dataset.placeId + "/read/");
      change(url, "POST", { direction: read.dataset.direction }, topStatus);
    }));
  });

  const readAll = document.getElementById("read-all-places");
  if (readAll) readAll.addEventListener("click", () => {
    say(topStatus, "Making the places lines…");
    change(window.UNREAD_INK_READ_ALL_API, "POST", null, topStatus);
  });

  document.querySelectorAll("button.redraw-line").forEach((button) => {
    button.addEventListener("click", () => {
      const item = button.closest("li.line");
      if (!blockedByUnsavedText(item.querySelector(".status"))) setDrawing(true, item);
    });
  });

  document.querySelectorAll("button.remove-line").forEach((button) => {
    button.addEventListener("click", () => {
      const item = button.closest("li.line");
      const status = item.querySelector(".status");
      if (blockedByUnsavedText(status)) return;
      if (!confirm("Remove line " + numberOf(item) + "? Only for things that are not text: a stamp, a rule, a smudge.")) return;
      change(window.forLine(window.LINE_API, item.dataset.lineId), "DELETE", null, status);
    });
  });
})();
