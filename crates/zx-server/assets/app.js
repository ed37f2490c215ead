// Cockpit charts (Apache ECharts, served from this server). Data comes embedded in the page.
(function () {
  "use strict";
  if (!window.echarts) return;
  // Draw after the first paint: the numbers show at once, the charts a frame later.
  requestAnimationFrame(function () { setTimeout(drawAll, 0); });
  function drawAll() {
  var zh = document.documentElement.lang !== "en";
  var colors = { green: "#1a7f37", yellow: "#b58100", red: "#cf222e", blue: "#0969da", grey: "#8c959f", purple: "#8250df" };
  function num(v) { return v === null || v === undefined ? null : Number(v); }

  document.querySelectorAll(".spark").forEach(function (el) {
    var data = JSON.parse(el.dataset.spark || "[]").map(num);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false, grid: { left: 2, right: 2, top: 4, bottom: 2 },
      xAxis: { type: "category", show: false, data: data.map(function (_, i) { return i + 1; }) },
      yAxis: { type: "value", show: false, scale: true },
      series: [{ type: "line", data: data, symbol: "none", lineStyle: { width: 1.5, color: colors.blue }, areaStyle: { opacity: 0.08 } }]
    });
  });

  // SVG, not canvas: the text stays in the page (selectable, and checked by the browser tests).
  // The legend sits under the plot, so a narrow chart's title and legend never collide; the
  // grid makes room for its labels (containLabel) and labels that would touch are dropped.
  document.querySelectorAll(".trend").forEach(function (el) {
    var t = JSON.parse(el.dataset.trend);
    var chart = echarts.init(el, null, { renderer: "svg" });
    follow(el, chart);
    chart.setOption({
      title: { text: t.name + " (" + t.unit + ")", left: 8, top: 6, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      legend: { left: "center", bottom: 4, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 16, top: 36, bottom: 32, containLabel: true },
      xAxis: { type: "category", data: t.months.map(function (m) { return zh ? Number(m) + "月" : m; }), axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", scale: true, axisLabel: { hideOverlap: true } },
      series: [
        { name: zh ? "本年" : "This year", type: "line", data: t.this_year.map(num), lineStyle: { width: 2.5 }, color: colors.blue },
        { name: zh ? "上年" : "Last year", type: "line", data: t.last_year.map(num), lineStyle: { type: "dashed" }, color: colors.grey },
        { name: zh ? "目标" : "Target", type: "line", data: t.target.map(num), symbol: "none", lineStyle: { type: "dotted", width: 2 }, color: colors.red }
      ]
    });
  });

  document.querySelectorAll(".rank-chart").forEach(function (el) {
    var r = JSON.parse(el.dataset.rank);
    var rows = r.rows.slice().reverse();
    var chart = echarts.init(el, null, { renderer: "svg" });
    follow(el, chart);
    chart.setOption({
      title: { text: r.title || "", left: 8, top: 6, textStyle: { fontSize: 13 } },
      tooltip: {},
      grid: { left: 8, right: 30, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", scale: false, axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", data: rows.map(function (x) { return x[1]; }), axisLabel: { fontSize: 11, width: 140, overflow: "truncate", hideOverlap: true } },
      series: [{ type: "bar", data: rows.map(function (x) { return { value: num(x[2]), code: x[0] }; }), itemStyle: { color: colors.blue } }]
    });
    // Drill down: a bar opens the cockpit of that unit.
    chart.on("click", function (p) {
      if (p.data && p.data.code) {
        location.href = "/cockpit?entity=" + encodeURIComponent(p.data.code) + "&period=" + r.period + "&basis=" + r.basis;
      }
    });
  });


  // Benchmark (对标): the quartile box (Q1–Q3 shaded, lines at min, median and max) with every
  // plant as a point, spread vertically so equal values stay visible; the bottom quartile red.
  document.querySelectorAll(".benchmark-chart").forEach(function (el) {
    var b = JSON.parse(el.dataset.benchmark);
    var chart = echarts.init(el, null, { renderer: "svg" });
    follow(el, chart);
    var qc = { 1: colors.green, 2: colors.blue, 3: colors.yellow, 4: colors.red };
    var lines = [], area = [];
    if (b.stats) {
      var s = b.stats.map(num);
      var names = zh ? ["最小值", "Q1", "中位数", "Q3", "最大值"] : ["min", "Q1", "median", "Q3", "max"];
      [0, 2, 4].forEach(function (i) { lines.push({ xAxis: s[i], name: names[i], label: { formatter: names[i] } }); });
      area.push([{ xAxis: s[1] }, { xAxis: s[3] }]);
    }
    // Industry reference values: dashed lines beside the group's own quartiles, never in them;
    // the axis widens to show them.
    var refs = (b.references || []).map(function (r) { return num(r.value); });
    (b.references || []).forEach(function (r) {
      lines.push({ xAxis: num(r.value), name: r.label, lineStyle: { color: colors.purple, type: "dashed" }, label: { formatter: r.label, position: "insideEndTop" } });
    });
    // Bounds rounded outward to a step a tenth of the range's magnitude, so the axis reads
    // 210 … 430, not 220.9603.
    var bound = function (v, down) {
      var lo = Math.min(v.min, Math.min.apply(null, refs)), hi = Math.max(v.max, Math.max.apply(null, refs));
      var range = (hi - lo) || Math.abs(hi) || 1;
      var step = Math.pow(10, Math.floor(Math.log10(range)) - 1);
      return down ? Math.floor((lo - range * 0.03) / step) * step : Math.ceil((hi + range * 0.03) / step) * step;
    };
    var low = refs.length ? function (v) { return bound(v, true); } : undefined;
    var high = refs.length ? function (v) { return bound(v, false); } : undefined;
    chart.setOption({
      animation: false,
      title: { text: b.title, left: 8, top: 6, textStyle: { fontSize: 13 } },
      tooltip: { formatter: function (p) { return p.data.name + " " + p.data.code + "<br>" + p.data.value[0] + " " + b.unit + " · Q" + p.data.quartile; } },
      grid: { left: 12, right: 24, top: 48, bottom: 28, containLabel: true },
      xAxis: { type: "value", scale: true, min: low, max: high, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", min: -1, max: 1, show: false },
      series: [{
        type: "scatter", symbolSize: 10,
        data: b.points.map(function (p, i) {
          return { value: [num(p.value), ((i % 7) - 3) * 0.22], name: p.name, code: p.code, quartile: p.quartile, itemStyle: { color: qc[p.quartile] } };
        }),
        markArea: { silent: true, itemStyle: { color: "rgba(9,105,218,0.10)", borderColor: colors.blue, borderWidth: 1 }, data: area },
        markLine: { silent: true, symbol: "none", lineStyle: { color: colors.grey, type: "solid" }, label: { position: "end", fontSize: 10 }, data: lines }
      }]
    });
  });

  // A plant's unit cost as a waterfall: the segment's median, each cost element's difference
  // (red where the plant spends more per unit, green where less), the medians' mix, the plant.
  document.querySelectorAll(".cost-waterfall").forEach(function (el) {
    var w = JSON.parse(el.dataset.waterfall);
    var chart = echarts.init(el, null, { renderer: "svg" });
    follow(el, chart);
    var names = [w.start.label], base = [0], bar = [], level = num(w.start.value);
    bar.push({ value: level, itemStyle: { color: colors.blue } });
    w.steps.forEach(function (s) {
      var d = num(s.value), next = level + d;
      names.push(s.label);
      base.push(Math.min(level, next));
      bar.push({ value: Math.abs(d), delta: d, itemStyle: { color: d > 0 ? colors.red : colors.green } });
      level = next;
    });
    names.push(w.end.label);
    base.push(0);
    bar.push({ value: num(w.end.value), itemStyle: { color: colors.grey } });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (ps) {
        var p = ps[ps.length - 1], d = p.data.delta;
        var v = d === undefined ? p.data.value : (d > 0 ? "+" : "") + Math.round(d * 100) / 100;
        return p.name + "<br>" + (d === undefined ? Math.round(v * 100) / 100 : v) + " " + w.unit;
      } },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0, fontSize: 10 } },
      yAxis: { type: "value", scale: false },
      series: [
        { type: "bar", stack: "w", silent: true, itemStyle: { color: "transparent" }, data: base },
        { type: "bar", stack: "w", data: bar, label: { show: true, position: "top", fontSize: 10, formatter: function (p) {
          var d = p.data.delta; return d === undefined ? Math.round(p.data.value) : (d > 0 ? "+" : "") + Math.round(d * 10) / 10;
        } } }
      ]
    });
  });

  // A plant's rank month by month: rank 1 at the top (the plant is named by the select above).
  // R&D portfolio: each project's budget for the year against what it spent (10k yuan).
  document.querySelectorAll(".rnd-chart").forEach(function (el) {
    var b = JSON.parse(el.dataset.budget);
    var chart = echarts.init(el, null, { renderer: "svg" });
    follow(el, chart);
    chart.setOption({
      animation: false,
      title: { text: b.title, left: 8, top: 6, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      legend: { left: "center", bottom: 4, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 16, top: 36, bottom: 32, containLabel: true },
      // Projects down the side (the first on top): their codes never crowd as on a phone's x axis.
      yAxis: { type: "category", inverse: true, data: b.projects, axisLabel: { fontSize: 11, hideOverlap: true } },
      xAxis: { type: "value", axisLabel: { hideOverlap: true } },
      series: [
        { name: b.budget_label, type: "bar", data: b.budget.map(num), color: colors.grey },
        { name: b.spent_label, type: "bar", data: b.spent.map(num), color: colors.blue }
      ]
    });
  });

  // Workforce: the months' hires (up) and exits (down) as bars, the month-end employees and
  // dispatched workers as lines on a second axis.
  document.querySelectorAll(".workforce-chart").forEach(function (el) {
    var w = JSON.parse(el.dataset.workforce);
    var chart = echarts.init(el, null, { renderer: "svg" });
    follow(el, chart);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { left: "center", top: 4, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 8, top: el.clientWidth < 600 ? 64 : 40, bottom: 8, containLabel: true },
      // The months along the bottom, not on the zero line the exits' bars hang from.
      xAxis: { type: "category", data: w.months, axisLine: { onZero: false }, axisLabel: { hideOverlap: true } },
      // No label at the axes' foot, where it would sit on the months.
      yAxis: [
        { type: "value", minInterval: 1, axisLabel: { showMinLabel: false } },
        { type: "value", minInterval: 1, splitLine: { show: false }, axisLabel: { showMinLabel: false } }
      ],
      series: [
        { name: w.labels[0], type: "bar", stack: "move", data: w.hires.map(num), color: colors.green },
        { name: w.labels[1], type: "bar", stack: "move", data: w.exits.map(num), color: colors.red },
        { name: w.labels[2], type: "line", yAxisIndex: 1, data: w.employees.map(num), color: colors.blue },
        { name: w.labels[3], type: "line", yAxisIndex: 1, data: w.dispatched.map(num), color: colors.grey }
      ]
    });
  });

  document.querySelectorAll(".rank-line").forEach(function (el) {
    var t = JSON.parse(el.dataset.ranks);
    var chart = echarts.init(el, null, { renderer: "svg" });
    follow(el, chart);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: t.months, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", inverse: true, min: 1, max: Math.max(t.n, 1), minInterval: 1 },
      series: [{ type: "line", data: t.ranks, connectNulls: false, color: colors.blue }]
    });
  });
  }

  // A chart follows its box: the box is sized by CSS (the grid's columns change with the
  // window), and the chart is drawn again whenever the box changes size.
  function follow(el, chart) {
    if (window.ResizeObserver) new ResizeObserver(function () { chart.resize(); }).observe(el);
  }
  window.addEventListener("resize", function () {
    document.querySelectorAll("[_echarts_instance_]").forEach(function (el) {
      var c = echarts.getInstanceByDom(el); if (c) c.resize();
    });
  });
})();
