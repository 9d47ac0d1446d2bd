// Saves a partner's draft every few seconds and whenever they leave a field.
// A lost connection loses nothing: the text stays on the page, the status says
// it could not save, and we keep retrying until it goes through. Nothing is
// kept in the browser's storage, because phones are sometimes shared.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch) { return; }
  var statusEl = form.querySelector("[data-save-status]");
  var versionInput = form.querySelector("input[name=version]");
  var url = form.getAttribute("data-autosave-url");
  var dirty = false, saving = false, stopped = false, retryDelay = 2000, timer = null;
  var pendingSubmitter = null; // a button pressed while a save was on its way

  function say(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "save-status" + (kind ? " is-" + kind : "");
  }

  // A save that is still on its way changes the version the server expects, so a form
  // sent now would be refused as stale: send it once the save has come back instead.
  function sendPendingSubmit() {
    if (!pendingSubmitter) { return; }
    var button = pendingSubmitter;
    pendingSubmitter = null;
    form.requestSubmit(button);
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  function save() {
    if (!dirty || saving || stopped) { return; }
    saving = true;
    dirty = false;
    say("Saving your draft…");
    var body = new FormData(form);
    body.set("action", "autosave");
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        saving = false;
        if (result.status === 200 && result.data.ok) {
          versionInput.value = result.data.version;
          retryDelay = 2000;
          say("Draft saved at " + result.data.saved_label + ".", "saved");  // the practice's clock, from the server
          if (dirty) { schedule(3000); }
        } else if (result.status === 409) {
          stopped = true;
          say(result.data.message, "conflict");
        } else {
          dirty = true;
          say(result.data.message || "Some answers need a look before they can be saved.", "error");
        }
        sendPendingSubmit();
      })
      .catch(function () {
        saving = false;
        dirty = true;
        say("Not saved yet: you seem to be offline. Your text is safe on this page; retrying…", "error");
        schedule(retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
        sendPendingSubmit();
      });
  }

  form.addEventListener("input", function () { dirty = true; schedule(3000); });
  form.addEventListener("change", function () { dirty = true; schedule(500); });
  form.addEventListener("focusout", function () { if (dirty) { schedule(200); } });
  window.addEventListener("online", function () { if (dirty) { retryDelay = 2000; schedule(0); } });
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    if (saving && event.submitter && form.requestSubmit) {
      event.preventDefault();
      pendingSubmitter = event.submitter;
      return;
    }
    stopped = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !stopped) { event.preventDefault(); event.returnValue = ""; }
  });
}());
