/* The dashboard's charts (json_script "dash-charts"), drawn by lianjian/charts.js. */
(function () {
  "use strict";
  var c = window.ljCharts;
  c.draw("dash-charts", {
    levels: function (d) { return c.ring(d); },
    lines: function (d) { return c.bars(d, "#409eff", 30); },
    trend: function (d) {
      return {
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: c.grid,
        xAxis: { type: "category", data: d.months }, yAxis: c.count,
        series: d.series.map(function (s) {
          return { name: s.name, type: "line", stack: "total", areaStyle: {}, data: s.data, itemStyle: { color: s.colour } };
        })
      };
    }
  });
})();
