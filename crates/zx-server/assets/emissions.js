// Stack emissions charts (Apache ECharts, served from this server). Each `.cems-chart` holds one
// factor of one stack and day; the data comes from `/api/v1/stacks/{mn}/minutes?date=` and is
// fetched again every 30 s while the day is today, so the page follows the stack live.
(function () {
  "use strict";
  if (!window.echarts) return;
  var zh = document.documentElement.lang !== "en";
  var colors = { measured: "#8c959f", corrected: "#0969da", limit: "#cf222e", invalid: "#b58100", anomaly: "rgba(130, 80, 223, 0.16)" };
  var charts = {};
  function num(v) { return v === null || v === undefined ? null : Number(v); }
  function hh(i) { return (i < 10 ? "0" : "") + i + ":00"; }

  function draw(data) {
    data.factors.forEach(function (f) {
      var el = document.getElementById("chart-" + f.code);
      if (!el) return;
      var chart = charts[f.code] || (charts[f.code] = follow(el, echarts.init(el, null, { renderer: "svg" })));
      el.dataset.anomalies = String((f.anomalies || []).length);
      var valid = [], invalid = [];
      f.minutes.forEach(function (m) {
        var point = [m[0], num(m[1])];
        if (m[2] === "N" || m[2] === "S") { valid.push(point); invalid.push([m[0], null]); }
        else { valid.push([m[0], null]); invalid.push(point); }
      });
      var hourly = f.hourly.map(function (v, i) { return [hh(i), num(v)]; });
      var series = [
        { name: zh ? "分钟实测值" : "Minute (measured)", type: "line", data: valid, symbol: "none",
          lineStyle: { width: 1 }, color: colors.measured },
        { name: zh ? "无效分钟（标记）" : "Invalid minute (flagged)", type: "scatter", data: invalid,
          symbolSize: 4, color: colors.invalid }
      ];
      if (f.corrected) {
        series.push({ name: zh ? "小时均值（折算）" : "Hourly mean (corrected)", type: "line", step: "end",
          data: hourly, symbolSize: 5, lineStyle: { width: 2.5 }, color: colors.corrected });
      }
      if (f.limit !== null && f.limit !== undefined) {
        series[0].markLine = {
          symbol: "none", silent: true, lineStyle: { color: colors.limit, type: "dashed", width: 2 },
          label: { formatter: (f.limit_label || "") + " " + f.limit },
          data: [{ yAxis: num(f.limit) }]
        };
      }
      // What the anomaly detector flagged: a shaded band per alarm, named in the legend.
      if (f.anomalies && f.anomalies.length) {
        series.push({ name: zh ? "智能检测异常" : "Anomaly (detector)", type: "line", data: [],
          color: "#8250df", markArea: { silent: false, itemStyle: { color: colors.anomaly },
            label: { show: false }, tooltip: { formatter: function (p) { return p.name; } },
            data: f.anomalies.map(function (a) {
              return [{ name: a.message, xAxis: a.from }, { xAxis: a.to }];
            }) } });
      }
      chart.setOption({
        animation: false,
        title: { text: f.name + " (" + f.unit + ")", left: 8, top: 6, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" },
        legend: { left: "center", bottom: 4, textStyle: { fontSize: 11 } },
        grid: frame(el),
        xAxis: { type: "category", data: data.axis, axisLabel: { interval: hourLabels(el), hideOverlap: true, alignMinLabel: "left" } },
        yAxis: { type: "value", scale: true, axisLabel: { hideOverlap: true } },
        series: series
      }, true);
    });
    var stamp = document.getElementById("chart-updated");
    if (stamp) stamp.textContent = data.updated;
  }

  // Which minutes get a label: every hour, or every 2, 3, 4, 6 or 12 hours when the chart is
  // too narrow for 24 labels of about 40 px. Read at each layout, so a resize re-spaces them.
  function hourLabels(el) {
    return function (index) {
      var room = Math.max(el.clientWidth - 80, 40);
      var step = [1, 2, 3, 4, 6, 12].filter(function (s) { return (24 / s) * 40 <= room; })[0] || 12;
      return index % (60 * step) === 0;
    };
  }

  // The plot's room: the legend under it wraps to a second line in a narrow box.
  function frame(el) {
    return { left: 8, right: 24, top: 36, bottom: el.clientWidth < 560 ? 60 : 34, containLabel: true };
  }

  // A chart follows its box (sized by CSS); see app.js.
  function follow(el, chart) {
    if (window.ResizeObserver) {
      new ResizeObserver(function () { chart.setOption({ grid: frame(el) }); chart.resize(); }).observe(el);
    }
    return chart;
  }

  function load(url) {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) draw(data); })
      .catch(function () {});
  }

  var root = document.getElementById("cems-charts");
  if (root && root.dataset.url) {
    load(root.dataset.url);
    if (root.dataset.live === "true") setInterval(function () { load(root.dataset.url); }, 30000);
  }
  // The plant page's anomaly timeline: a row per stack and factor, a bar per anomaly alarm.
  var timeline = document.getElementById("anomaly-timeline");
  if (timeline && timeline.dataset.timeline) {
    var t = JSON.parse(timeline.dataset.timeline);
    timeline.style.height = Math.max(120, 40 + 34 * t.rows.length) + "px";
    var items = [];
    t.rows.forEach(function (row, i) {
      row.bands.forEach(function (b) {
        items.push({ value: [i, b.from, b.to, b.message],
          itemStyle: { color: b.open ? "#8250df" : "rgba(130, 80, 223, 0.45)" } });
      });
    });
    timeline.dataset.bands = String(items.length);
    var chart = charts["anomaly-timeline"] = follow(timeline, echarts.init(timeline, null, { renderer: "svg" }));
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (p) { return p.value[1] + " – " + p.value[2] + "<br>" + p.value[3]; } },
      grid: { left: 8, right: 24, top: 12, bottom: 28, containLabel: true },
      xAxis: { type: "time", min: t.from, max: t.to },
      yAxis: { type: "category", data: t.rows.map(function (r) { return r.label; }) },
      series: [{
        type: "custom", encode: { x: [1, 2], y: 0 }, data: items,
        renderItem: function (params, api) {
          var row = api.value(0);
          var start = api.coord([api.value(1), row]);
          var end = api.coord([api.value(2), row]);
          var height = api.size([0, 1])[1] * 0.6;
          var box = params.coordSys;
          var shape = echarts.graphic.clipRectByRect(
            { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 3), height: height },
            { x: box.x, y: box.y, width: box.width, height: box.height });
          return shape && { type: "rect", shape: shape, style: api.style() };
        }
      }]
    });
  }
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
