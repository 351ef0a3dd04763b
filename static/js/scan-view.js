// The scan beside the lines: zoom (wheel, + and -, buttons), pan (drag, scroll bars), fit to the
// pane's width or the whole page, and keep a given line in view.
window.ScanView = (function () {
  const view = document.getElementById("scan-view");
  const svg = document.getElementById("scan");
  if (!view || !svg) return null;
  const width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
  const level = document.getElementById("zoom-level");
  const MIN = 0.05, MAX = 8;
  let scale = 1;
  let fit = "width"; // "width" or "page" while the scan is fitted (kept on resize), else null

  // Zoom to ``next`` keeping the page point under (x, y) (pixels in the pane; default its centre) still.
  function zoomTo(next, x = view.clientWidth / 2, y = view.clientHeight / 2) {
    const pageX = (view.scrollLeft + x) / scale, pageY = (view.scrollTop + y) / scale;
    scale = Math.min(MAX, Math.max(MIN, next));
    svg.setAttribute("width", Math.round(width * scale));
    svg.setAttribute("height", Math.round(height * scale));
    view.scrollLeft = pageX * scale - x;
    view.scrollTop = pageY * scale - y;
    level.textContent = Math.round(scale * 100) + "%";
    view.dataset.scale = scale;
  }

  function fitWidth() {
    fit = "width";
    zoomTo(view.clientWidth / width, 0, 0);
  }

  function fitPage() {
    fit = "page";
    zoomTo(Math.min(view.clientWidth / width, view.clientHeight / height), 0, 0);
    view.scrollTop = view.scrollLeft = 0;
  }

  function zoomBy(factor, x, y) {
    fit = null;
    zoomTo(scale * factor, x, y);
  }

  // Scroll so that a box (page pixels) is in view, centred if it was not.
  function show(box) {
    const left = box.x * scale, top = box.y * scale, right = left + box.width * scale, bottom = top + box.height * scale;
    const margin = 24;
    if (top < view.scrollTop + margin || bottom > view.scrollTop + view.clientHeight - margin) {
      view.scrollTop = (top + bottom) / 2 - view.clientHeight / 2;
    }
    if (left < view.scrollLeft || right > view.scrollLeft + view.clientWidth) {
      view.scrollLeft = right - left > view.clientWidth ? left - margin : (left + right) / 2 - view.clientWidth / 2;
    }
  }

  document.getElementById("zoom-in").addEventListener("click", () => zoomBy(1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoomBy(0.8));
  document.getElementById("fit-width").addEventListener("click", fitWidth);
  document.getElementById("fit-page").addEventListener("click", fitPage);

  view.addEventListener("wheel", (event) => {
    event.preventDefault();
    const pane = view.getBoundingClientRect();
    const steps = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY; // lines or pixels
    zoomBy(Math.exp(-steps * 0.002), event.clientX - pane.left, event.clientY - pane.top);
  }, { passive: false });

  // Drag to pan; a press that does not move stays a click (it selects a line). Not while drawing a box.
  let press = null, panned = false;
  view.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || svg.classList.contains("drawing")) return;
    press = { x: event.clientX, y: event.clientY, left: view.scrollLeft, top: view.scrollTop };
    panned = false;
  });
  view.addEventListener("pointermove", (event) => {
    if (!press) return;
    const dx = event.clientX - press.x, dy = event.clientY - press.y;
    if (!panned && Math.hypot(dx, dy) < 5) return;
    if (!panned) view.setPointerCapture(event.pointerId);
    panned = true;
    view.classList.add("panning");
    view.scrollLeft = press.left - dx;
    view.scrollTop = press.top - dy;
  });
  const release = () => {
    press = null;
    view.classList.remove("panning");
  };
  view.addEventListener("pointerup", release);
  view.addEventListener("pointercancel", release);
  view.addEventListener("click", (event) => {
    if (panned) event.stopPropagation();
    panned = false;
  }, true);

  const typing = (target) => target.closest("textarea, input, select, [contenteditable]");
  document.addEventListener("keydown", (event) => {
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    const act = { "+": () => zoomBy(1.25), "=": () => zoomBy(1.25), "-": () => zoomBy(0.8),
                  w: fitWidth, W: fitWidth, p: fitPage, P: fitPage }[event.key];
    if (act) {
      event.preventDefault();
      act();
    }
  });
  window.addEventListener("resize", () => fit === "width" ? fitWidth() : fit === "page" ? fitPage() : null);

  fitWidth();
  return { show, zoomBy, fitWidth, fitPage, scale: () => scale };
})();
