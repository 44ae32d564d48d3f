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

  // The neighbourhoods at their recorded locations: a scatter on a longitude/latitude plane made
  // from the points alone (no tile server, no map data), a series per stage in its colour. Each
  // point is [longitude, latitude, neighbourhood id, name].
  function mapOption(spec) {
    var lngs = [], lats = [];
    spec.series.forEach(function (s) {
      s.data.forEach(function (p) { lngs.push(p[0]); lats.push(p[1]); });
    });
    function bounds(values, pad) {
      var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
      var margin = Math.max((high - low) * 0.08, pad);
      return { min: +(low - margin).toFixed(4), max: +(high + margin).toFixed(4) };
    }
    var x = bounds(lngs, 0.002), y = bounds(lats, 0.002);
    function axis(range) {  // degrees, the ends unlabelled (they fall between the ticks)
      return {
        type: "value", min: range.min, max: range.max, splitLine: { show: false },
        axisLabel: { showMinLabel: false, showMaxLabel: false, formatter: function (v) { return v.toFixed(2) + "°"; } }
      };
    }
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          return window.echarts.format.encodeHTML(p.data[3]) + "<br>" + window.echarts.format.encodeHTML(p.seriesName) +
            "<br>" + spec.axes.latitude + " " + p.data[1] + "，" + spec.axes.longitude + " " + p.data[0];
        }
      },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: axis(x),
      yAxis: axis(y),
      series: spec.series.map(function (s) {
        return {
          name: s.name, type: "scatter", data: s.data, symbolSize: 9, large: s.data.length > 2000,
          itemStyle: { color: s.color, borderColor: "#fff", borderWidth: 0.5 },
          emphasis: { scale: 1.6 }, cursor: "pointer"
        };
      })
    };
  }

  var builders = { bar: barOption, hbar: hbarOption, pie: pieOption, funnel: funnelOption, map: mapOption };

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
      if (spec.link) {  // a point opens its neighbourhood's dashboard
        chart.on("click", function (params) {
          if (params.data && params.data.length > 2) {
            window.location.href = spec.link.prefix + params.data[2] + spec.link.suffix;
          }
        });
      }
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
