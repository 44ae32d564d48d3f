/* Live character counters for the resident pages' text areas.
 *
 * A text area with a limit carries data-maxlength (never maxlength, which would cut a pasted text
 * without saying so) and is described by a counter element rendered by the server:
 *   <small data-counter-for="ID" data-count="…{n}…{left}…" data-over="…{over}…{max}…">
 * Without this file the counter shows the limit, and the server refuses a longer text with a
 * message naming the field and the limit. Characters are counted as the server counts them: by
 * code point, each line break as one.
 */
(function () {
  "use strict";

  function length(text) {
    return Array.from(text.replace(/\r\n?/g, "\n")).length;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  function attach(counter) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    var max = field ? parseInt(field.getAttribute("data-maxlength"), 10) : NaN;
    if (!field || !(max > 0)) {
      return;
    }
    var invalidFromServer = field.getAttribute("aria-invalid") === "true";
    var wasOver = false;

    function update() {
      var n = length(field.value);
      var over = n - max;
      var values = { n: n, max: max, left: Math.max(0, max - n), over: Math.max(0, over) };
      counter.textContent = fill(counter.getAttribute(over > 0 ? "data-over" : "data-count"), values);
      counter.classList.toggle("over", over > 0);
      if (over > 0) {
        field.setAttribute("aria-invalid", "true");
      } else if (!invalidFromServer) {
        field.removeAttribute("aria-invalid");
      }
      if (over > 0 !== wasOver) {
        // Announce crossing the limit (either way), not every keystroke.
        counter.setAttribute("role", over > 0 ? "alert" : "status");
        wasOver = over > 0;
      }
    }

    field.addEventListener("input", update);
    update();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-counter-for]"), attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
