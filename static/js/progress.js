// Polls the document's job status and redraws the progress panel. When processing ends during
// the visit the page reloads once, so that its warnings (unsure lines, unread ink) and the pages'
// counts are those of the results; not while a name is being typed to share with.
(function () {
  const panel = document.getElementById("progress");
  if (!panel) return;
  const fill = document.getElementById("progress-fill");
  const text = document.getElementById("progress-text");
  const body = document.querySelector("#jobs tbody");

  function row(job) {
    const tr = document.createElement("tr");
    tr.className = "job " + job.state;
    for (const value of [job.page_number, job.step, job.state,
                         Math.round(job.progress * 100) + "%", job.error]) {
      const td = document.createElement("td");
      td.textContent = value;
      tr.appendChild(td);
    }
    return tr;
  }

  function show(status) {
    const percent = Math.round(status.progress * 100);
    fill.style.width = percent + "%";
    if (!fill.classList.contains("moves")) {
      // The first figure is shown as it is (a finished document's bar does not fill up on
      // every visit); later ones slide.
      void fill.offsetWidth;
      fill.classList.add("moves");
    }
    body.replaceChildren(...status.jobs.map(row));
    if (!status.jobs.length) text.textContent = "Nothing to process: the text was imported.";
    else if (!status.finished) text.textContent = "Processing: " + percent + "% done.";
    else if (status.failed) text.textContent = "Finished, but " + status.failed + " step(s) failed; see the messages below.";
    else if (status.jobs.every((job) => job.stage === "places")) text.textContent = "The imported pages were searched for ink their lines leave out. Open a page to review it.";
    else text.textContent = "All pages are read. Open a page to review its lines.";
    showReadAgain(status);
    const tuning = showTuning(status.tuning);
    panel.dataset.finished = status.finished;
    return status.finished && !tuning;
  }

  const readAgain = document.getElementById("read-again");

  function showReadAgain(status) {
    const lines = status.read_again.lines;
    readAgain.hidden = !(status.finished && lines);
    if (!readAgain.hidden) {
      document.getElementById("read-again-text").textContent = lines + (lines === 1 ? " line" : " lines") +
        " nobody checked " + (lines === 1 ? "was" : "were") + " read by another model than " +
        status.read_again.model + ", which reads this document now. What people wrote stays as it is.";
    }
  }

  const tuningPanel = document.getElementById("tuning");
  const tuningText = document.getElementById("tuning-text");
  const tuningForm = document.getElementById("tuning-form");
  const tuningButton = document.getElementById("tuning-button");
  const tuningStop = document.getElementById("tuning-stop");  // the owner's (and staff's) only

  function timeLeft(seconds) {
    if (seconds === null) return "";
    return seconds < 90 ? ", about " + Math.max(1, Math.round(seconds)) + " s left"
                        : ", about " + Math.round(seconds / 60) + " minutes left";
  }

  // Says where tuning a model to this document stands; true while a run is queued or running.
  function showTuning(tuning) {
    const run = tuning.run;
    const active = Boolean(run) && (run.state === "queued" || run.state === "running");
    const reads = tuning.tuned ? "This document is read with a model tuned to its handwriting. "
                               : "This document is read with the model for its kind. ";
    const more = tuning.lines_needed - tuning.checked_lines;
    let said;
    if (active && run.state === "queued") said = "Tuning the model to this handwriting: waiting for a worker.";
    else if (active && !run.step) said = "Tuning the model to this handwriting: reading the checked lines.";
    else if (active) said = "Tuning the model to this handwriting: step " + run.step + " of at most " +
                            run.steps + timeLeft(run.eta_seconds) + ".";
    else if (run && run.state === "failed") said = reads + "The last tuning failed: " + run.error;
    else if (run) said = reads + "Last tuning: " + run.outcome;
    else said = reads;
    if (!active && more > 0) {
      said += " A tuning needs " + tuning.lines_needed + " checked lines, to learn from and to judge it by; " +
              tuning.checked_lines + " are checked so far.";
    }
    tuningText.textContent = said;
    tuningForm.hidden = active;
    tuningButton.disabled = more > 0;
    tuningButton.textContent = more > 0 ? "Check " + more + " more line" + (more === 1 ? "" : "s") + " to tune the model"
                                        : "Tune the model to this handwriting";
    if (tuningStop) {
      tuningStop.hidden = !active;
      if (active) tuningStop.action = tuningStop.dataset.action.replace("00000000-0000-0000-0000-000000000000", run.id);
    }
    tuningPanel.hidden = false;
    return active;
  }

  let sawRunning = false;

  function showResults() {
    const typing = document.querySelector("#share-form input[name=username]");
    if (!typing || !typing.value) location.reload();
    else text.append(" Reload the page to see the results.");
  }

  async function poll() {
    try {
      const response = await fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      if (show(await response.json())) {
        if (sawRunning) showResults();
        return;
      }
      sawRunning = true;
    } catch (error) {
      text.textContent = "Could not get the progress (" + error.message + "); trying again…";
    }
    // A tuning takes minutes: while only it runs, look less often.
    setTimeout(poll, panel.dataset.finished === "true" ? 5000 : 1500);
  }
  poll();
})();
