// The progress page of a background job: ask the server how it is going, more
// slowly as time passes, and offer the download as soon as the file is ready.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status-url]");
  if (!box) { return; }
  var label = box.querySelector("[data-job-label]");
  var busy = box.querySelector("[data-job-busy]");
  var message = box.querySelector("[data-job-message]");
  var link = box.querySelector("[data-job-download]");
  var delay = 1000;

  function show(state) {
    label.textContent = state.label;
    if (state.message) { message.textContent = state.message; message.hidden = false; }
    if (state.download_url) {
      link.href = state.download_url; link.hidden = false;
      var heading = document.querySelector("[data-job-heading]");
      if (heading) { heading.textContent = "Your download is ready"; }
    }
    var finished = state.status === "done" || state.status === "failed";
    if (finished && busy) { busy.remove(); }
    return finished;
  }

  function poll() {
    fetch(box.dataset.jobStatusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && show(state)) { return; }
        delay = Math.min(delay * 1.5, 10000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }

  if (!link.hidden || !busy) { return; }
  window.setTimeout(poll, delay);
}());
