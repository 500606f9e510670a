// Dashboards: every [data-chart] element becomes an Apache ECharts chart (aria on, canvas
// renderer: no inline style attributes, so the strict CSP holds). ECharts itself is loaded
// only where a page has a chart. The same numbers are in the table beside each chart.
(function () {
  "use strict";
  var loading = null;

  function load() {
    if (window.echarts) { return Promise.resolve(window.echarts); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = "/static/vendor/echarts.min.js";
        s.onload = function () { resolve(window.echarts); };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  function draw(echarts, el) {
    if (el.getAttribute("data-drawn")) { return; }
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      aria: { enabled: true, decal: { show: true } },
      animation: false,
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 48 },
      xAxis: { type: "category", data: spec.categories, axisLabel: { rotate: 20 } },
      yAxis: { type: "value", max: spec.max, name: spec.unit || "" },
      series: spec.series.map(function (s) {
        return { type: "bar", name: s.name, data: s.data, stack: s.stack,
                 label: { show: true, position: "top" } };
      })
    });
    el.setAttribute("data-drawn", "1");
  }

  function start() {
    var charts = document.querySelectorAll("[data-chart]");
    if (!charts.length) { return; }
    load().then(function (echarts) {
      charts.forEach(function (el) { draw(echarts, el); });
    });
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
}());
