// The print button of the code sheet (a file, not an inline handler: the Content-Security-Policy
// allows scripts from the site only).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.print-page").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
});
