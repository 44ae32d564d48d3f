/* Draws the dashboard's charts with the vendored Apache ECharts (static/vendor/echarts/).
   The figures come from the page's JSON block (<script type="application/json"
   id="dashboard-charts">), the same numbers as the table beside each chart; without JavaScript
   the tables alone carry the page. No inline script: the Content-Security-Policy allows none. */
(function () {
  "use strict";

  function number(value) {
    var n = Number(value);
    return isFinite(n) ? n : 0;
  }

  function barOption(spec) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 6 ? 30 : 0 } },
      yAxis: { type: "value" },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data.map(number), label: { show: spec.categories.length <= 8, position: "top" } };
      })
    };
  }

  function hbarOption(spec) {
    var s = spec.series[0];
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 32, bottom: 8, top: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: spec.categories, inverse: true },
      series: [{ name: s.name, type: "bar", data: s.data.map(number), label: { show: true, position: "right" } }]
    };
  }

  function pieOption(spec) {
    var s = spec.series[0];
    return {
      tooltip: { trigger: "item" },
      legend: { type: "scroll", bottom: 0 },
      series: [{
        name: s.name, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
        data: spec.categories.map(function (name, i) { return { name: name, value: number(s.data[i]) }; })
      }]
    };
  }

  function funnelOption(spec) {
    var s = spec.series[0];
    return {
      tooltip: { trigger: "item" },
      series: [{
        name: s.name, type: "funnel", sort: "none", left: "10%", width: "80%", top: 8, bottom: 8, minSize: "8%",
        label: { show: true, position: "inside", formatter: "{b}：{c}" },
        data: spec.categories.map(function (name, i) { return { name: name, value: number(s.data[i]) }; })
      }]
    };
  }

  var builders = { bar: barOption, hbar: hbarOption, pie: pieOption, funnel: funnelOption };

  function draw() {
    var block = document.getElementById("dashboard-charts");
    if (!block || typeof window.echarts === "undefined") {
      return;
    }
    var specs = JSON.parse(block.textContent);
    var charts = [];
    document.querySelectorAll(".chart[data-chart]").forEach(function (element) {
      var spec = specs[element.getAttribute("data-chart")];
      var build = spec && builders[spec.type];
      if (!build || !spec.categories.length) {
        element.hidden = true;
        return;
      }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(build(spec));
      element.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
