/* The common part of the pages' charts, drawn with the locally installed ECharts from the JSON a
   page embeds with json_script. A page's own script names its charts:
       ljCharts.draw("dash-charts", { levels: function (d) { return ljCharts.ring(d); }, ... });
   draws each [data-chart=name] element from data[name] and marks it data-rendered="1". Without
   ECharts nothing is drawn and the page shows the same figures as tables. */
(function () {
  "use strict";
  var grid = { left: 40, right: 16, top: 24, bottom: 40, containLabel: true };
  function category(labels, rotate) {
    return { type: "category", data: labels, axisLabel: { interval: 0, rotate: rotate || 0 } };
  }
  window.ljCharts = {
    grid: grid,
    category: category,
    count: { type: "value", minInterval: 1 },
    /* One series of bars over d.labels / d.values. */
    bars: function (d, colour, rotate) {
      return {
        tooltip: { trigger: "axis" }, grid: grid,
        xAxis: category(d.labels, rotate), yAxis: window.ljCharts.count,
        series: [{ type: "bar", data: d.values, itemStyle: { color: colour } }]
      };
    },
    /* A ring of d.labels / d.values, coloured by d.colours when given. */
    ring: function (d) {
      return {
        tooltip: { trigger: "item" },
        series: [{
          type: "pie", radius: ["40%", "70%"],
          data: d.labels.map(function (label, i) {
            var slice = { name: label, value: d.values[i] };
            if (d.colours) { slice.itemStyle = { color: d.colours[i] }; }
            return slice;
          })
        }]
      };
    },
    draw: function (sourceId, options) {
      var source = document.getElementById(sourceId);
      if (!source || typeof window.echarts === "undefined") { return; }
      var data = JSON.parse(source.textContent);
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
    }
  };
})();
