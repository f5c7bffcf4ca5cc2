/* OmniNode Bridge performance report: renders the per-test sections from the embedded JSON.
 * Every string from the results is set with textContent, never parsed as HTML.
 * Charts are uPlot: hover shows values in the legend, clicking a legend entry toggles the
 * series, dragging on a time chart zooms (double-click resets). */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var STATE = { charts: [], built: {} };
  window.__report = STATE;
  var COLORS = ["#2b6cb0", "#dd6b20", "#c53030", "#2f855a", "#6b46c1", "#b7791f", "#319795", "#97266d"];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function put(parent, node) { parent.appendChild(node); return node; }
  function fmt(v, digits) {
    if (v === null || v === undefined || v === "") return "–";
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (typeof v !== "number") return String(v);
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
    return String(+v.toFixed(digits === undefined ? 3 : digits));
  }
  function fmtTime(s) {
    if (s === null || s === undefined) return "–";
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.round(s % 60);
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }
  function hasData(arr) {
    if (!arr) return false;
    for (var i = 0; i < arr.length; i++) if (arr[i] !== null && arr[i] !== undefined) return true;
    return false;
  }
  function table(headers, rows) {
    var t = el("table", "data");
    var tr = put(t, el("thead")).appendChild(el("tr"));
    headers.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    var body = put(t, el("tbody"));
    rows.forEach(function (r) {
      var row = body.appendChild(el("tr"));
      r.forEach(function (c) {
        if (c instanceof Node) { put(row, el("td")).appendChild(c); }
        else row.appendChild(el("td", typeof c === "number" ? "num" : null, fmt(c)));
      });
    });
    return t;
  }
  function badge(ok, word) { return el("span", "badge badge-" + (ok ? "pass" : "fail"), word || (ok ? "PASS" : "FAIL")); }

  /* ---------------------------------------------------------------- charts */

  function markersPlugin(markers) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          markers.forEach(function (m, mi) {
            if (m.x === null || m.x === undefined) return;
            var x = Math.round(u.valToPos(m.x, "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = m.color || "#555";
            ctx.setLineDash([5, 4]);
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.setLineDash([]);
            ctx.fillStyle = m.color || "#555";
            ctx.font = 11 * devicePixelRatio + "px sans-serif";
            ctx.fillText(m.label, x + 4 * devicePixelRatio, u.bbox.top + (12 + 14 * mi) * devicePixelRatio);
          });
          ctx.restore();
        }],
      },
    };
  }

  function chartCard(parent, title, note) {
    var card = put(parent, el("figure", "card"));
    card.appendChild(el("figcaption", null, title));
    if (note) card.appendChild(el("div", "note", note));
    return card;
  }

  function makeChart(card, spec) {
    var width = Math.max(320, card.clientWidth - 16);
    var series = [{ label: spec.xLabel || "time", value: spec.xValue || function (u, v) { return fmtTime(v); } }];
    spec.series.forEach(function (sr, i) {
      series.push({
        label: sr.label,
        stroke: sr.color || COLORS[i % COLORS.length],
        fill: sr.fill || undefined,
        width: sr.width || 1.5,
        dash: sr.dash,
        scale: sr.scale || "y",
        spanGaps: false,
        paths: sr.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined,
        points: { show: !!sr.points },
        value: sr.value || function (u, v) { return fmt(v) + (sr.unit ? " " + sr.unit : ""); },
      });
    });
    var axes = [{ values: spec.xTicks || function (u, vals) { return vals.map(fmtTime); } }];
    if (spec.xLog) axes[0].splits = function (u, ai, min, max) {
      var out = [];
      for (var p = 1; p <= max * 1.0001; p *= 10) if (p >= min * 0.9999) out.push(p);
      return out;
    };
    axes.push({ label: spec.yLabel || "", size: 60, values: function (u, vals) { return vals.map(function (v) { return fmt(v, 2); }); } });
    if (spec.y2Label) axes.push({ scale: "y2", side: 1, label: spec.y2Label, size: 60, grid: { show: false } });
    var scales = { x: { time: false } };
    if (spec.xLog) { scales.x.distr = 3; scales.x.log = 10; }
    scales.y = spec.yScale || {};
    if (spec.y2Label) scales.y2 = {};
    var opts = {
      width: width,
      height: spec.height || 240,
      series: series,
      axes: axes,
      scales: scales,
      legend: { live: true },
      cursor: spec.sync ? { sync: { key: spec.sync }, drag: { x: true, y: false } } : { drag: { x: true, y: false } },
      plugins: spec.markers && spec.markers.length ? [markersPlugin(spec.markers)] : [],
    };
    var holder = put(card, el("div", "plot"));
    var chart = new uPlot(opts, [spec.x].concat(spec.series.map(function (s) { return s.data; })), holder);
    STATE.charts.push({ id: spec.id, title: spec.title, chart: chart });
    return chart;
  }

  function timeChart(grid, spec) {
    var usable = spec.series.filter(function (s) { return hasData(s.data); });
    if (!spec.x || !spec.x.length || !usable.length) return null;
    var card = chartCard(grid, spec.title, spec.note);
    return makeChart(card, spec);
  }

  /* ---------------------------------------------------------------- per-test sections */

  function kpiTiles(t) {
    var wrap = el("div", "kpis");
    var k = t.kpis;
    [["p50", k.p50, "ms"], ["p95", k.p95, "ms"], ["p99", k.p99, "ms"], ["max", k.max, "ms"],
     ["throughput", k.throughput, "/s"], ["offered", k.target_rps, "/s"],
     ["error rate", k.error_rate === null ? null : k.error_rate * 100, "%"],
     ["requests", k.requests, ""], ["dropped", k.dropped, ""]].forEach(function (x) {
      var tile = put(wrap, el("div", "kpi"));
      tile.appendChild(el("div", "kpi-label", x[0]));
      tile.appendChild(el("div", "kpi-value", fmt(x[1]) + (x[1] === null || x[1] === undefined ? "" : " " + x[2])));
    });
    return wrap;
  }

  function latencyCharts(grid, t, sync) {
    var sr = t.series;
    timeChart(grid, {
      id: t.key + "-latency", title: "Latency percentiles over time (from intended start)", sync: sync,
      x: sr.t, yLabel: "ms",
      series: [
        { label: "p50", data: sr.p50, unit: "ms" },
        { label: "p95", data: sr.p95, unit: "ms" },
        { label: "p99", data: sr.p99, unit: "ms" },
        { label: "service time p99", data: sr.svc_p99, unit: "ms", dash: [4, 4] },
      ],
    });
    timeChart(grid, {
      id: t.key + "-throughput", title: "Offered vs achieved throughput", sync: sync,
      x: sr.t, yLabel: "req/s",
      series: [
        { label: "offered", data: sr.offered, unit: "/s", dash: [6, 3] },
        { label: "achieved", data: sr.achieved, unit: "/s" },
      ],
    });
  }

  function errorChart(grid, t, sync) {
    var sr = t.series;
    if (!sr.error_kinds.length) return;
    var n = sr.t.length, cum = [], running = new Array(n).fill(0);
    sr.error_kinds.forEach(function (kind, i) {
      running = running.map(function (v, j) { return v + (sr.errors[i][j] || 0); });
      cum.push(running.slice());
    });
    var series = [];
    for (var i = sr.error_kinds.length - 1; i >= 0; i--) {
      (function (i) {
        var color = COLORS[(i + 2) % COLORS.length];
        series.push({
          label: sr.error_kinds[i], data: cum[i], color: color, fill: color + "99",
          value: function (u, v, si, idx) { return idx === null || idx === undefined ? "–" : fmt(sr.errors[i][idx]); },
        });
      })(i);
    }
    timeChart(grid, { id: t.key + "-errors", title: "Errors over time, stacked by kind", sync: sync, x: sr.t, yLabel: "errors/s", series: series });
  }

  function spectrumChart(grid, t) {
    var sp = t.spectrum;
    if (!sp) return;
    timeChart(grid, {
      id: t.key + "-spectrum", title: "Percentile spectrum",
      note: sp.exact ? "from the whole-test HdrHistograms" : "approximate: from summary percentiles (no histogram in the results)",
      x: sp.x, xLog: true, yLabel: "ms", xLabel: "percentile",
      xValue: function (u, v) { return pctLabel(v); },
      xTicks: function (u, vals) { return vals.map(pctLabel); },
      series: [
        { label: "corrected (from intended start)", data: sp.corrected, unit: "ms", points: true },
        { label: "uncorrected (service time)", data: sp.uncorrected, unit: "ms", dash: [5, 3], points: true },
      ],
    });
  }
  function pctLabel(x) {
    if (x === null || x === undefined) return "–";
    return String(+(100 * (1 - 1 / x)).toPrecision(6)) + "%";
  }

  function resourcesChart(grid, t, sync) {
    var r = t.resources;
    if (!r) return;
    timeChart(grid, {
      id: t.key + "-resources", title: "Service under test: CPU and memory", sync: sync,
      note: r.source ? "source: " + r.source : null,
      x: r.t, yLabel: "CPU %", y2Label: "RSS MB",
      series: [
        { label: "CPU", data: r.cpu, unit: "%" },
        { label: "RSS", data: r.rss, unit: "MB", scale: "y2" },
      ],
    });
  }

  function figuresTable(figures) {
    var rows = Object.keys(figures || {}).map(function (k) {
      var v = figures[k];
      if (Array.isArray(v)) v = v.map(function (x) { return fmt(x); }).join(" … ");
      return [k, v];
    });
    return rows.length ? table(["figure", "value"], rows) : null;
  }

  function stressSection(box, t, sync) {
    var st = t.stress, f = st.figures;
    add(box, el("h3", null, "Stress: breaking point"), figuresTable(f));
    var steps = st.steps || [];
    var grid = put(box, el("div", "grid"));
    var xs = steps.map(function (s) { return s.offered_rps; });
    if (steps.length && hasData(xs)) {
      timeChart(grid, {
        id: t.key + "-stress", title: "Per step: latency and throughput vs offered rate",
        x: xs, xLabel: "offered req/s", xValue: function (u, v) { return fmt(v) + " /s"; },
        xTicks: function (u, vals) { return vals.map(function (v) { return fmt(v, 0); }); },
        yLabel: "ms", y2Label: "req/s",
        markers: [{ x: f.breaking_point_rps, label: "breaking point " + fmt(f.breaking_point_rps), color: "#c53030" },
                  { x: f.knee_rps, label: "knee " + fmt(f.knee_rps), color: "#6b46c1" }],
        series: [
          { label: "p95", data: steps.map(function (s) { return s.p95; }), unit: "ms", points: true },
          { label: "p99", data: steps.map(function (s) { return s.p99; }), unit: "ms", points: true },
          { label: "achieved", data: steps.map(function (s) { return s.achieved_rps; }), unit: "/s", scale: "y2", points: true },
        ],
      });
    }
    if (steps.length) {
      var keys = Object.keys(steps[0]);
      box.appendChild(table(keys, steps.map(function (s) { return keys.map(function (k) { return s[k]; }); })));
    }
  }

  function spikeSection(box, t, sync) {
    var sp = t.spike, f = sp.figures;
    add(box, el("h3", null, "Spike: peak and recovery"), figuresTable(f));
    var pre = f.pre_p95;
    var tol = pre === null || pre === undefined ? null : pre * 1.2;
    var grid = put(box, el("div", "grid"));
    timeChart(grid, {
      id: t.key + "-spike", title: "p95 around the spike", sync: sync, x: t.series.t, yLabel: "ms",
      markers: [{ x: sp.start, label: "spike start", color: "#dd6b20" }, { x: sp.end, label: "spike end", color: "#dd6b20" },
                { x: sp.recovered_at, label: f.recovered === false ? "never recovered" : "recovered", color: "#2f855a" }],
      series: [
        { label: "p95", data: t.series.p95, unit: "ms" },
        { label: "pre-spike p95 + 20%", data: t.series.t.map(function () { return tol; }), unit: "ms", dash: [3, 3], color: "#2f855a" },
      ],
    });
  }

  function enduranceSection(box, t, sync) {
    var en = t.endurance, f = en.figures;
    add(box, el("h3", null, "Endurance: drift and memory growth"), figuresTable(f));
    var grid = put(box, el("div", "grid"));
    timeChart(grid, {
      id: t.key + "-drift", title: "p95 drift: " + fmt(f.latency_drift_ms_per_hour) + " ms/h", sync: sync,
      x: t.series.t, yLabel: "ms",
      series: [{ label: "p95", data: t.series.p95, unit: "ms" }, { label: "trend", data: en.p95_trend, unit: "ms", color: "#c53030", width: 2 }],
    });
    if (t.resources) {
      timeChart(grid, {
        id: t.key + "-growth", title: "Service RSS: " + fmt(f.memory_growth_mb_per_hour) + " MB/h" + (f.leak_suspected ? " (leak suspected)" : ""),
        sync: sync, x: t.resources.t, yLabel: "MB",
        series: [{ label: "RSS", data: t.resources.rss, unit: "MB" }, { label: "trend", data: en.rss_trend, unit: "MB", color: "#c53030", width: 2 }],
      });
    }
  }

  function intelligenceSection(box, t) {
    var it = t.intelligence;
    add(box, el("h3", null, "Intelligence"), figuresTable(it.figures));
    var grid = put(box, el("div", "grid"));
    var pats = it.patterns || [];
    if (pats.length) {
      timeChart(grid, {
        id: t.key + "-patterns", title: "Time to discovery per injected pattern",
        x: pats.map(function (p, i) { return i + 1; }), xLabel: "pattern",
        xValue: function (u, v) { var p = pats[v - 1]; return p ? "#" + v + " " + (p.pattern || p.id || "") : "–"; },
        xTicks: function (u, vals) { return vals.map(function (v) { return Number.isInteger(v) ? "#" + v : ""; }); },
        yLabel: "ms",
        series: [{ label: "time to discovery", data: pats.map(function (p) { return p.time_to_discovery_ms === undefined ? null : p.time_to_discovery_ms; }), unit: "ms", bars: true, fill: "#2b6cb099" }],
      });
    }
    var curve = it.curve || [];
    if (curve.length) {
      var target = it.figures.target_accuracy;
      timeChart(grid, {
        id: t.key + "-learning", title: "Learning curve",
        x: curve.map(function (p) { return p[0]; }), xLabel: "events",
        xValue: function (u, v) { return fmt(v) + " events"; }, xTicks: function (u, vals) { return vals.map(function (v) { return fmt(v, 0); }); },
        yLabel: "accuracy",
        markers: [{ x: it.figures.events_to_accuracy, label: "target reached", color: "#2f855a" }],
        series: [{ label: "accuracy", data: curve.map(function (p) { return p[1]; }), points: true },
                 { label: "target", data: curve.map(function () { return target === undefined ? null : target; }), dash: [4, 4], color: "#2f855a" }],
      });
    }
    if (pats.length) {
      box.appendChild(table(["#", "pattern", "frequency", "discovered", "time to discovery ms"], pats.map(function (p, i) {
        return [i + 1, p.pattern || p.id || "", p.frequency, p.discovered, p.time_to_discovery_ms];
      })));
    }
    var ep = it.event_processing || {}, rows = [];
    Object.keys(ep).forEach(function (k) { var v = ep[k] || {}; rows.push([k, v.p50, v.p95, v.p99, v.max]); });
    var pl = (it.prediction || {}).latency_ms;
    if (pl) rows.push(["prediction", pl.p50, pl.p95, pl.p99, pl.max]);
    if (rows.length) box.appendChild(table(["latency (ms)", "p50", "p95", "p99", "max"], rows));
    var pr = it.prediction || {};
    var acc = [["pattern precision", it.figures.pattern_precision], ["pattern recall", it.figures.pattern_recall],
               ["prediction top-1", pr.top1_accuracy], ["prediction top-3", pr.top3_accuracy]].filter(function (r) { return r[1] !== undefined; });
    if (acc.length) box.appendChild(table(["accuracy", "value"], acc));
  }

  function testSection(holder, runIndex, t) {
    var sec = put(holder, el("section", "test"));
    sec.id = "run" + runIndex + "-" + t.key;
    var head = put(sec, el("div", "test-head"));
    add(head, badge(t.verdict === "PASS", t.verdict), el("h2", null, t.name), el("span", "tag", t.type));
    if (t.model) head.appendChild(el("span", "tag", t.model + " model"));
    head.appendChild(el("span", "muted", fmt(t.duration, 1) + " s"));
    t.invalid_reasons.forEach(function (r) { sec.appendChild(el("div", "warning", "Invalid: " + r)); });
    sec.appendChild(kpiTiles(t));
    if (t.criteria.length) {
      sec.appendChild(el("h3", null, "Criteria"));
      sec.appendChild(table(["criterion", "limit", "actual", "verdict"], t.criteria.map(function (c) {
        return [c.name, c.op + " " + fmt(c.limit), c.actual, badge(c.passed)];
      })));
    }
    var sync = "sync-" + runIndex + "-" + t.key;
    var grid = put(sec, el("div", "grid"));
    latencyCharts(grid, t, sync);
    errorChart(grid, t, sync);
    spectrumChart(grid, t);
    resourcesChart(grid, t, sync);
    if (t.endpoints.length) {
      sec.appendChild(el("h3", null, "Endpoints"));
      sec.appendChild(table(["endpoint", "url", "requests", "errors", "error rate", "p50", "p95", "p99", "max"], t.endpoints.map(function (e) {
        return [e.name, e.url, e.requests, e.errors, e.error_rate, e.p50, e.p95, e.p99, e.max];
      })));
    }
    var builders = { stress: stressSection, spike: spikeSection, endurance: enduranceSection, intelligence: intelligenceSection };
    Object.keys(builders).forEach(function (k) { if (t[k]) builders[k](put(sec, el("div", "typed")), t, sync); });
    if (t.volume) add(sec, el("h3", null, "Volume"), figuresTable(t.volume.figures));
    if (t.errors.length) {
      sec.appendChild(el("h3", null, "Errors"));
      var ul = put(sec, el("ul"));
      t.errors.forEach(function (e) { ul.appendChild(el("li", null, e)); });
    }
    if (t.recommendations.length) {
      sec.appendChild(el("h3", null, "Recommendations"));
      var rl = put(sec, el("ul", "recs"));
      t.recommendations.forEach(function (r) { rl.appendChild(el("li", null, r)); });
    }
    return sec;
  }

  /* ---------------------------------------------------------------- comparison */

  function compareSection(slot, cmp) {
    var box = put(slot, el("section", "compare"));
    var head = put(box, el("div", "test-head"));
    add(head, badge(cmp.verdict === "PASS", cmp.verdict), el("h2", null, "Baseline comparison"));
    if (cmp.baseline_file) head.appendChild(el("span", "muted", "baseline: " + cmp.baseline_file));
    if (cmp.rows.length) {
      box.appendChild(table(["test", "endpoint", "metric", "baseline", "current", "ratio", "CI", "verdict"], cmp.rows.map(function (r) {
        var ci = r.ci_low === null && r.ci_high === null ? "–" : "[" + fmt(r.ci_low) + ", " + fmt(r.ci_high) + "]";
        var b = el("span", "badge badge-" + String(r.verdict || "none").toLowerCase(), r.verdict || "–");
        return [r.test, r.endpoint || "", r.metric, r.baseline, r.current, r.ratio, ci, b];
      })));
    }
    var grid = put(box, el("div", "grid"));
    cmp.overlays.forEach(function (o, i) {
      timeChart(grid, {
        id: "compare-" + i, title: "p95 before / after: " + o.test, x: o.t, yLabel: "ms",
        series: [{ label: "baseline", data: o.baseline, unit: "ms", dash: [5, 3], color: "#718096" },
                 { label: "current", data: o.current, unit: "ms", color: "#2b6cb0" }],
      });
    });
  }

  /* ---------------------------------------------------------------- wiring */

  function buildRun(index) {
    if (STATE.built[index]) return;
    STATE.built[index] = true;
    var run = DATA.runs[index];
    var section = document.getElementById("run" + index);
    if (index === 0 && DATA.compare) compareSection(section.querySelector(".compare-slot"), DATA.compare);
    var holder = section.querySelector(".tests");
    run.tests.forEach(function (t) { testSection(holder, index, t); });
  }

  function show(index) {
    document.querySelectorAll("section.run").forEach(function (s) { s.hidden = s.getAttribute("data-run") !== String(index); });
    buildRun(index);
  }

  // Build charts once the section is in the DOM (their width comes from the layout).
  function start() {
    var picker = document.getElementById("run-picker");
    if (picker) picker.addEventListener("change", function () { show(Number(picker.value.replace("run", ""))); });
    if (DATA.runs.length) show(0);
    STATE.ready = true;
    STATE.readyMs = performance.now();  // from navigation start: parse + data + all charts
    document.body.setAttribute("data-ready", "1");
    // uPlot commits its drawing in a microtask; the next frame comes after all of it.
    requestAnimationFrame(function () {
      STATE.paintedMs = performance.now();
      document.body.setAttribute("data-painted", "1");
    });
  }
  start();
})();
