// A "Copy link" button beside a link the therapist hands over themselves. Without
// script (or without clipboard access) the link stays selectable text, as before.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("[data-copy-link]").forEach(function (box) {
    var text = box.querySelector("[data-copy-text]");
    var status = box.querySelector("[data-copy-status]");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small";
    button.textContent = "Copy link";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(text.textContent.trim()).then(function () {
        status.textContent = "Copied. Paste it into a message only they will read.";
      }, function () {
        status.textContent = "Copying didn't work here: select the link and copy it yourself.";
      });
    });
    text.after(button);
  });
})();
