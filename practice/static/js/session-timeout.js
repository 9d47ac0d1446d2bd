// Warns before an idle sign-out, and keeps typed text when one happens.
//
// The server decides (practice/auth/lifetimes.py); this script only keeps
// people informed. Typing, clicking or scrolling on the page counts as
// activity: when the warning would be due and the person has been active
// here, the script quietly tells the server and no warning appears. Otherwise,
// a notice offers "Stay signed in" a couple of minutes before the end.
//
// When the sign-out happens, the page is hidden (so no one passing by reads
// it) but not reloaded: forms keep what was typed. After signing in again in
// another tab, "Continue" shows the page again with fresh form tokens, so the
// form can be sent as if nothing happened. Nothing is kept in browser storage.
(function () {
  "use strict";
  var root = document.getElementById("session-timeout");
  if (!root || !window.fetch) { return; }
  var warning = root.querySelector("[data-panel=warning]");
  var ended = root.querySelector("[data-panel=ended]");
  var message = ended.querySelector("[data-message]");
  var warnMs = Number(root.getAttribute("data-warn")) * 1000;
  var who = root.getAttribute("data-who");
  var csrf = root.getAttribute("data-csrf");
  var MAX_TIMER = 24 * 3600 * 1000; // browsers overflow setTimeout past ~24.8 days
  var deadline = 0, renewable = true, lastContact = Date.now(), lastActivity = 0;
  var timer = null, ticker = null;

  function request(url, method) {
    var headers = { "Accept": "application/json" };
    if (method === "POST") { headers["X-CSRFToken"] = csrf; }
    return fetch(url, { method: method, credentials: "same-origin", headers: headers })
      .then(function (response) { return response.json(); });
  }

  function learn(status) {
    lastContact = Date.now();
    deadline = lastContact + status.remaining * 1000;
    renewable = status.renewable;
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    var wait = Math.max(deadline - warnMs - Date.now(), 0);
    timer = setTimeout(wait > MAX_TIMER ? schedule : nearTheEnd, Math.min(wait, MAX_TIMER));
  }

  function nearTheEnd() {
    if (renewable && lastActivity > lastContact) { stay(); return; }
    request(root.getAttribute("data-status-url"), "GET").then(function (status) {
      if (!status.signed_in) { signedOut(); return; }
      learn(status);
      if (deadline - Date.now() <= warnMs + 1000) { warn(); }
    }).catch(function () { schedule(); });
  }

  function warn() {
    root.hidden = false;
    warning.hidden = false;
    warning.querySelectorAll("[data-if]").forEach(function (el) {
      el.hidden = (el.getAttribute("data-if") === "renewable") !== renewable;
    });
    clearInterval(ticker);
    ticker = setInterval(countdown, 1000);
    countdown();
  }

  function countdown() {
    var left = Math.max(Math.round((deadline - Date.now()) / 1000), 0);
    var text = left > 90 ? Math.ceil(left / 60) + " minutes" : left + " seconds";
    warning.querySelectorAll("[data-countdown]").forEach(function (el) { el.textContent = text; });
    if (left === 0) {
      clearInterval(ticker);
      request(root.getAttribute("data-status-url"), "GET").then(function (status) {
        if (status.signed_in) { hideWarning(); learn(status); } else { signedOut(); }
      }).catch(signedOut);
    }
  }

  function hideWarning() {
    clearInterval(ticker);
    warning.hidden = true;
    root.hidden = ended.hidden;
  }

  function stay() {
    request(root.getAttribute("data-keepalive-url"), "POST").then(function (status) {
      if (!status.signed_in) { signedOut(); return; }
      hideWarning();
      learn(status);
    }).catch(function () { schedule(); });
  }

  function signedOut() {
    hideWarning();
    clearTimeout(timer);
    root.hidden = false;
    ended.hidden = false;
    document.body.classList.add("signed-out");
    ended.querySelector("[data-action=resume]").focus();
  }

  function resume() {
    request(root.getAttribute("data-status-url"), "GET").then(function (status) {
      if (!status.signed_in) {
        message.textContent = "You're not signed in yet. Please sign in in the other tab first.";
      } else if (status.who !== who) {
        message.textContent = "This browser is now signed in as someone else, so this page can't be sent. Please reload it.";
      } else {
        csrf = status.csrf_token;
        document.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = csrf; });
        ended.hidden = true;
        root.hidden = true;
        message.textContent = "";
        document.body.classList.remove("signed-out");
        learn(status);
      }
    }).catch(function () {
      message.textContent = "We couldn't reach Twofold. Please check your connection and try again.";
    });
  }

  ["keydown", "input", "pointerdown", "scroll"].forEach(function (name) {
    window.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true, capture: true });
  });
  warning.querySelector("[data-action=stay]").addEventListener("click", stay);
  ended.querySelector("[data-action=resume]").addEventListener("click", resume);
  learn({ remaining: Number(root.getAttribute("data-remaining")), renewable: root.getAttribute("data-renewable") === "true" });
}());
