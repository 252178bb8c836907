/* Draws the dashboard's charts with the locally installed ECharts from the JSON the page embeds
   (json_script "dash-charts"). Without ECharts the page shows the same figures as tables. */
(function () {
  "use strict";
  var source = document.getElementById("dash-charts");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var grid = { left: 40, right: 16, top: 24, bottom: 40, containLabel: true };
  var options = {
    levels: function (d) {
      return {
        tooltip: { trigger: "item" },
        series: [{
          type: "pie", radius: ["40%", "70%"],
          data: d.labels.map(function (label, i) {
            return { name: label, value: d.values[i], itemStyle: { color: d.colours[i] } };
          })
        }]
      };
    },
    lines: function (d) {
      return {
        tooltip: { trigger: "axis" }, grid: grid,
        xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: d.values, itemStyle: { color: "#409eff" } }]
      };
    },
    trend: function (d) {
      return {
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value", minInterval: 1 },
        series: d.series.map(function (s) {
          return { name: s.name, type: "line", stack: "total", areaStyle: {}, data: s.data, itemStyle: { color: s.colour } };
        })
      };
    }
  };
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var build = options[el.dataset.chart];
    if (!build || !data[el.dataset.chart]) { return; }
    var chart = window.echarts.init(el);
    chart.setOption(build(data[el.dataset.chart]));
    el.dataset.rendered = "1";
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
