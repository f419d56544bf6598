// deco dashboard: draws the charts whose data a page embeds as JSON
// (<div class="chart" data-chart="ID"> and <script type="application/json"
// id="ID">), with uPlot. htmx does the rest.
(function () {
  "use strict";
  var colors = ["#2f6fdf", "#1e8e4f", "#c4572d", "#8a4fd8"];
  function draw(el) {
    if (el.dataset.drawn) return;
    var src = document.getElementById(el.dataset.chart);
    if (!src || typeof uPlot === "undefined") return;
    var c = JSON.parse(src.textContent);
    var data = [c.x];
    var series = [{}];
    var axes = [{}];
    var right = false;
    // Bars stand side by side around their x.
    c.series.forEach(function (s, i) {
      data.push(s.values);
      var color = colors[i % colors.length];
      var o = { label: s.label, stroke: color, width: 2, scale: s.axis ? "r" : "y", spanGaps: true };
      if (c.bars) {
        o.fill = color + "99";
        o.paths = uPlot.paths.bars({ size: [0.7 / c.series.length, 80], align: c.series.length === 1 ? 0 : (i === 0 ? -1 : 1) });
        o.points = { show: false };
      }
      if (s.axis) right = true;
      series.push(o);
    });
    axes.push({ scale: "y" });
    if (right) axes.push({ scale: "r", side: 1, grid: { show: false } });
    var opts = {
      title: c.title, width: Math.max(320, el.clientWidth - 16), height: 240,
      // Bars need room beside the first and last x.
      scales: { x: { time: !!c.time, range: !c.bars ? undefined : function (u, min, max) {
        var step = c.x.length > 1 ? c.x[1] - c.x[0] : 1;
        return [min - 0.6 * step, max + 0.6 * step];
      } } },
      series: series, axes: axes
    };
    el.dataset.drawn = "1";
    new uPlot(opts, data, el);
  }
  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  document.addEventListener("htmx:afterSwap", function (e) { drawAll(e.target); });
})();
