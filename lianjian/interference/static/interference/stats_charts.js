/* The register's statistics charts (json_script "stats-charts"), drawn by lianjian/charts.js. */
(function () {
  "use strict";
  var c = window.ljCharts;
  c.draw("stats-charts", {
    categories: function (d) { return c.bars(d, "#409eff"); },
    units: function (d) { return c.bars(d, "#67c23a", 30); },
    subjects: function (d) { return c.ring(d); },
    months: function (d) {
      return {
        tooltip: { trigger: "axis" }, grid: c.grid,
        xAxis: { type: "category", data: d.labels }, yAxis: c.count,
        series: [{ type: "line", areaStyle: {}, data: d.values, itemStyle: { color: "#e6a23c" } }]
      };
    }
  });
})();
