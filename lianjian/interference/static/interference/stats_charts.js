/* Draws the register's statistics with the locally installed ECharts from the JSON the page
   embeds (json_script "stats-charts"). Without ECharts the page shows the same figures as tables. */
(function () {
  "use strict";
  var source = document.getElementById("stats-charts");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var grid = { left: 40, right: 16, top: 24, bottom: 40, containLabel: true };
  function bars(d, colour, rotate) {
    return {
      tooltip: { trigger: "axis" }, grid: grid,
      xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: rotate || 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: d.values, itemStyle: { color: colour } }]
    };
  }
  var options = {
    categories: function (d) { return bars(d, "#409eff"); },
    units: function (d) { return bars(d, "#67c23a", 30); },
    subjects: function (d) {
      return {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["40%", "70%"],
          data: d.labels.map(function (label, i) { return { name: label, value: d.values[i] }; }) }]
      };
    },
    months: function (d) {
      return {
        tooltip: { trigger: "axis" }, grid: grid,
        xAxis: { type: "category", data: d.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "line", areaStyle: {}, data: d.values, itemStyle: { color: "#e6a23c" } }]
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
