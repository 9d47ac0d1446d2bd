// Quick exit: replace this page (not add to history) with the neutral one, so Back cannot return here.
// The link itself goes to the same place, so without this script it still works.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  link.addEventListener("click", function (event) {
    event.preventDefault();
    document.body.style.visibility = "hidden"; // nothing stays on screen while the next page loads
    window.location.replace(link.href);
  });
}());
