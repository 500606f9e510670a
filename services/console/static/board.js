// The live escalation board: the console's relay of the escalation feed (EventSource, with
// the session cookie). Each event is announced politely and the board is fetched again
// (server-rendered rows, acknowledge forms with their CSRF tokens), without a page reload.
// Loaded on every page; it acts where the page has #live (also after an htmx navigation).
(function () {
  "use strict";
  var source = null;
  var pending = null;

  function refresh() {
    pending = null;
    var live = document.getElementById("live");
    if (!live) { return; }
    fetch(live.getAttribute("data-board"), { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        var current = document.getElementById("board");
        if (fresh && current) {
          current.replaceWith(fresh);
          if (window.htmx) { window.htmx.process(fresh); }
        }
      });
  }

  // the clock counts change without an escalation too (a clock starts, stops, is paused):
  // they alone are fetched again every COUNTS_MS, so a note being typed is never replaced
  var COUNTS_MS = 10000;
  var counting = null;

  function refreshCounts() {
    var current = document.querySelector("[data-testid=clock-counts]");
    var live = document.getElementById("live");
    if (!current || !live) { return; }
    fetch(live.getAttribute("data-board"), { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-testid=clock-counts]");
        var now = document.querySelector("[data-testid=clock-counts]");
        if (fresh && now) { now.replaceWith(fresh); }
      });
  }

  function on(event) {
    var live = document.getElementById("live");
    if (!live) { return; }
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { data = {}; }
    live.textContent = live.getAttribute("data-announce") + ": " + (data.reason || event.type) +
      " · " + (data.policy_id || "") + " · " + String(data.case_id || "").slice(0, 8);
    if (!pending) { pending = setTimeout(refresh, 300); }
  }

  function start() {
    var live = document.getElementById("live");
    if (!live && source) { source.close(); source = null; }
    if (!live && counting) { clearInterval(counting); counting = null; }
    if (!live) { return; }
    if (!counting) { counting = setInterval(refreshCounts, COUNTS_MS); }
    if (!live || source || !window.EventSource) { return; }
    source = new EventSource(live.getAttribute("data-stream"));
    ["EscalationRaised", "EscalationAcknowledged", "EscalationResolved"].forEach(function (n) {
      source.addEventListener(n, on);
    });
    source.addEventListener("open", function () {
      // what was raised between the page and the stream (or while reconnecting) is shown too
      live.setAttribute("data-connected", "1");
      refresh();
    });
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
  window.addEventListener("pagehide", function () { if (source) { source.close(); } });
}());
