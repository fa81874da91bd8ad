// "Copy" buttons: <button data-copy-target="id-of-an-input" hidden>. The buttons stay hidden
// without JavaScript (the input can still be selected and copied by hand); no inline script,
// so that the Content-Security-Policy can forbid them all.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      input.select();
      var done = function () {
        button.textContent = button.getAttribute("data-copied-text") || label;
        window.setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
});
