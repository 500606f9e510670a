// SLA badges count down live (an urgent walk-in's 30 minutes among them): every badge with
// a due time rewrites its remaining time each second, in the format the server renders
// (`sisa 2 j 05 m`, `lewat \u221212 m`; `2 h 05 m left` in English), and turns into "breached" (words and icon, not
// only colour) once the time is over. Not announced: the text is there to be read.
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // the formats are the catalogue's, rendered into <body data-duration-*> by the server
  function format(name, values) {
    return document.body.getAttribute("data-duration-" + name).replace(/\{(\w)\}/g,
      function (_, key) { return values[key]; });
  }

  function duration(seconds) {
    var s = Math.abs(seconds);
    var days = Math.floor(s / 86400), hours = Math.floor((s % 86400) / 3600);
    var minutes = Math.floor((s % 3600) / 60), secs = s % 60;
    if (days) { return format("dhm", {d: days, h: pad(hours), m: pad(minutes)}); }
    if (hours) { return format("hm", {h: hours, m: pad(minutes)}); }
    if (minutes) { return format("m", {m: minutes}); }
    return format("s", {s: secs});
  }

  function tick() {
    var body = document.body;
    document.querySelectorAll(".badge[data-due]").forEach(function (badge) {
      var seconds = Math.round((Date.parse(badge.getAttribute("data-due")) - Date.now()) / 1000);
      var remaining = badge.querySelector(".remaining");
      if (!remaining || isNaN(seconds)) { return; }
      if (seconds >= 0) {
        remaining.textContent = body.getAttribute("data-left").replace("{time}", duration(seconds));
        return;
      }
      remaining.textContent = body.getAttribute("data-over")
        .replace("{time}", "\u2212" + duration(seconds));
      if (badge.getAttribute("data-sla") !== "breached") {
        badge.setAttribute("data-sla", "breached");
        badge.className = "badge sla-breached";
        badge.querySelector(".words").textContent = body.getAttribute("data-breached");
        badge.querySelector(".icon").textContent = "\u2716";
      }
    });
  }

  setInterval(tick, 1000);
}());
