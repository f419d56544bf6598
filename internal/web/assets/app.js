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
    c.series.forEach(function (s, i) {
      data.push(s.values);
      var o = { label: s.label, stroke: colors[i % colors.length], width: 2, scale: s.axis ? "r" : "y", spanGaps: true };
      if (c.bars) {
        o.fill = colors[i % colors.length] + "99";
        o.paths = uPlot.paths.bars({ size: [0.6 / c.series.length, 60], align: 0 });
        o.points = { show: false };
      }
      if (s.axis) right = true;
      series.push(o);
    });
    if (!c.time) {
      axes[0] = { values: function (u, vals) { return vals.map(function (v) { return c.labels && Number.isInteger(v) ? (c.labels[v] || "") : ""; }); } };
    }
    axes.push({ scale: "y" });
    if (right) axes.push({ scale: "r", side: 1, grid: { show: false } });
    var opts = {
      title: c.title, width: Math.max(320, el.clientWidth - 16), height: 240,
      scales: { x: { time: !!c.time, range: c.time ? undefined : function (u, min, max) { return [min - 0.5, max + 0.5]; } } },
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
