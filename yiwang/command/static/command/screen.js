/* The command-center screen (大屏): figures from /api/v1/command/overview/, the map from
 * /api/v1/command/map/ (our own polygons; base tiles only when data-tiles is set), charts in
 * ECharts. Drilling street → community → grid → order also narrows the figures to that region.
 * Layers: open orders, overdue share, hotspots, the month's 四色网格 (party's stored colours with
 * their facts) and the 亩均效益 class of each firm (economy's latest evaluation), with a legend.
 * Everything refreshes every 30 seconds without reloading the page. */
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) return;
  var API = root.getAttribute("data-api");
  var REFRESH_MS = 30000;
  var state = { crumbs: [], mode: "open", layer: null, fitted: "" };
  var esc = function (s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };
  var pct = function (v) { return v == null ? "—" : (v * 100).toFixed(1) + "%"; };
  var $ = function (id) { return document.getElementById(id); };

  // --- map -----------------------------------------------------------------------------------
  var map = L.map("screen-map", { attributionControl: false, zoomSnap: 0.25 });
  var tiles = root.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  map.setView([31.35, 120.8], 12);

  function region() { var c = state.crumbs; return c.length ? c[c.length - 1].code : ""; }

  function shade(p, max) {
    if (state.mode === "firms") return "#1b3b63";
    var v = state.mode === "open" ? (max ? p.open / max : 0)
      : state.mode === "hotspots" ? Math.min(1, (p.hotspots || 0) / 2) : (p.overdue_share || 0);
    // from calm blue to alarm red
    var r = Math.round(40 + 200 * v), g = Math.round(110 - 70 * v), b = Math.round(200 - 160 * v);
    return "rgb(" + r + "," + g + "," + b + ")";
  }

  var SLA = { red: "#ff5252", yellow: "#ffd54f", green: "#69f0ae" };

  function drawLayer(data) {
    if (state.layer) map.removeLayer(state.layer);
    var list = $("drill-list");
    list.innerHTML = "";
    var group = L.featureGroup();
    if (data.level === "order") {
      data.features.forEach(function (f) {
        var p = f.properties;
        var li = document.createElement("li");
        li.innerHTML = '<a class="order-link ' + (p.sla === "red" ? "late" : "") + '" href="' + esc(p.link) + '">' +
          esc(p.code) + " " + esc(p.category) + "</a>";
        list.appendChild(li);
        if (!f.geometry) return;
        var c = f.geometry.coordinates;
        L.circleMarker([c[1], c[0]], { radius: 8, weight: 2, color: "#fff", fillColor: SLA[p.sla] || "#42a5f5", fillOpacity: 0.9 })
          .bindPopup('<a href="' + esc(p.link) + '">' + esc(p.code) + "</a><br>" + esc(p.status) + "<br>" + esc(p.description))
          .addTo(group);
      });
      if (!data.features.length) list.innerHTML = '<li class="muted">该网格暂无在办工单</li>';
      if (data.parent && state.parentGeometry) {
        L.geoJSON(state.parentGeometry, { style: { color: "#8fc3ff", weight: 2, fillOpacity: 0.05 } }).addTo(group);
      }
    } else {
      var max = 0;
      data.features.forEach(function (f) { max = Math.max(max, f.properties.open); });
      data.features.forEach(function (f) {
        var p = f.properties;
        var li = document.createElement("li");
        var btn = document.createElement("button");
        btn.type = "button";
        btn.className = "drill";
        btn.setAttribute("data-code", p.code);
        btn.innerHTML = esc(p.name) + " · " + p.open + (p.overdue ? ' <span class="late">超期' + p.overdue + "</span>" : "");
        btn.addEventListener("click", function () { drill(p.code, p.name, f.geometry); });
        li.appendChild(btn);
        list.appendChild(li);
        if (!f.geometry) return;
        var shape = L.geoJSON(f.geometry, {
          style: { color: "#8fc3ff", weight: 1.5, fillColor: shade(p, max), fillOpacity: 0.55 }
        });
        // Crowded levels label only the regions with open orders; the rest on hover.
        var crowded = data.features.length > 12 && !p.open;
        var hot = p.hotspots ? "<br>热点：" + esc(p.hotspot_names.join("、")) : "";
        crowded = crowded && !p.hotspots;
        shape.bindTooltip(esc(p.name) + (crowded ? "" : "<br>在办 " + p.open + (p.overdue ? " · 超期 " + p.overdue : "") + hot),
          { permanent: !crowded, sticky: crowded, direction: "center", className: "region-label" });
        shape.on("click", function () { drill(p.code, p.name, f.geometry); });
        shape.addTo(group);
      });
    }
    group.addTo(map);
    state.layer = group;
    var key = region() + ":" + data.level;
    if (state.fitted !== key && group.getLayers().length) {
      try { map.fitBounds(group.getBounds(), { padding: [12, 12], maxZoom: 17 }); } catch (e) { /* no bounds */ }
      state.fitted = key;
    }
  }

  function drawCrumbs() {
    var nav = $("crumbs");
    nav.innerHTML = "";
    var all = [{ code: "", name: "全街道" }].concat(state.crumbs);
    all.forEach(function (c, i) {
      if (i) { var s = document.createElement("span"); s.className = "sep"; s.textContent = "›"; nav.appendChild(s); }
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = c.name;
      b.addEventListener("click", function () { state.crumbs = state.crumbs.slice(0, i); state.fitted = ""; refresh(); });
      nav.appendChild(b);
    });
  }

  function drill(code, name, geometry) {
    state.crumbs.push({ code: code, name: name });
    state.parentGeometry = geometry;
    refresh();
  }

  document.querySelectorAll(".modes button").forEach(function (b) {
    b.addEventListener("click", function () {
      state.mode = b.getAttribute("data-mode");
      document.querySelectorAll(".modes button").forEach(function (x) { x.classList.toggle("on", x === b); });
      $("f-month").hidden = state.mode !== "colour";
      map.closePopup();
      loadMap();
    });
  });
  $("f-month").addEventListener("change", function () { if (state.mode === "colour") loadMap(); });

  // --- thematic layers: 四色网格 (party's stored monthly colours) and 亩均效益 classes --------
  var COLOUR = { red: "#e53935", yellow: "#fdd835", blue: "#1e88e5", green: "#43a047" };
  var COLOUR_NAME = { red: "红", yellow: "黄", blue: "蓝", green: "绿" };
  var CLASS = { A: "#2e7d32", B: "#1e88e5", C: "#fb8c00", D: "#e53935", T: "#9e9e9e" };
  var SHARES = { visit_coverage: 1, overdue_share: 1, satisfaction: 1 };

  function factText(f) {
    if (f.value == null) return "—";
    return SHARES[f.key] ? pct(f.value) : String(f.value);
  }

  function legend(html) { var el = $("legend"); el.innerHTML = html; el.hidden = !html; }

  function drawColours(data) {
    if (state.layer) map.removeLayer(state.layer);
    var list = $("drill-list");
    list.innerHTML = "";
    var group = L.featureGroup();
    data.features.forEach(function (f) {
      var p = f.properties;
      var li = document.createElement("li");
      li.innerHTML = '<button type="button" class="drill" data-code="' + esc(p.code) + '"><i class="swatch" style="background:' +
        (COLOUR[p.colour] || "transparent") + '"></i>' + esc(p.name) + (p.label ? " · " + esc(p.label) : " · 未评定") + "</button>";
      li.firstChild.addEventListener("click", function () { if (p.code !== region()) drill(p.code, p.name, f.geometry); });
      list.appendChild(li);
      if (!f.geometry) return;
      var facts = p.facts.map(function (x) { return "<tr><th>" + esc(x.label) + "</th><td>" + esc(factText(x)) + "</td></tr>"; }).join("");
      L.geoJSON(f.geometry, {
        style: { color: "#0b1a2e", weight: 1, fillColor: COLOUR[p.colour] || "#37474f", fillOpacity: p.colour ? 0.7 : 0.25 }
      }).bindTooltip(esc(p.name), { sticky: true, className: "region-label" })
        .bindPopup('<div class="colour-popup" data-grid="' + esc(p.code) + '"><b>' + esc(p.name) + "</b> " +
          (p.colour ? '<span class="chip" style="background:' + COLOUR[p.colour] + '">' + COLOUR_NAME[p.colour] + "</span> " + esc(p.label) : "本月未评定") +
          "<br><small>" + esc(data.month) + "</small>" + (facts ? '<table class="facts">' + facts + "</table>" : "") + "</div>")
        .addTo(group);
    });
    group.addTo(map);
    state.layer = group;
    var c = data.counts;
    legend("<b>四色网格 " + esc(data.month) + "</b>" + ["red", "yellow", "blue", "green"].map(function (k) {
      return '<span><i class="swatch" style="background:' + COLOUR[k] + '"></i>' + COLOUR_NAME[k] + " " + (c[k] || 0) + "</span>";
    }).join("") + (data.uncoloured ? '<span><i class="swatch" style="background:#37474f"></i>未评定 ' + data.uncoloured + "</span>" : ""));
    var key = region() + ":colour";
    if (state.fitted !== key && group.getLayers().length) {
      try { map.fitBounds(group.getBounds(), { padding: [12, 12], maxZoom: 17 }); } catch (e) { /* no bounds */ }
      state.fitted = key;
    }
  }

  function drawFirms(data) {
    data.features.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      L.circleMarker([c[1], c[0]], { radius: 6, weight: 1.5, color: "#fff", fillColor: CLASS[p["class"]] || "#9e9e9e", fillOpacity: 0.95,
        className: "firm firm-" + p["class"] })
        .bindPopup('<div class="firm-popup"><a href="' + esc(p.link) + '">' + esc(p.name) + "</a><br>" + esc(data.year) + " 年亩均效益 <b>" +
          esc(p["class"]) + " 类</b>" + (p.score != null ? " · 得分 " + p.score.toFixed(1) : "") + (p.rank ? " · 第 " + p.rank + " 名" : "") + "</div>")
        .addTo(state.layer);
    });
    var n = data.counts;
    legend(data.year == null ? "<b>亩均效益</b><span>尚无评价结果</span>" : "<b>亩均效益 " + esc(data.year) + " 年</b>" + ["A", "B", "C", "D", "T"].map(function (k) {
      return '<span><i class="dot" style="background:' + CLASS[k] + '"></i>' + k + " 类 " + (n[k] || 0) + "</span>";
    }).join("") + (data.without_point ? "<span class=\"muted\">无坐标 " + data.without_point + "</span>" : ""));
  }

  // --- figures -------------------------------------------------------------------------------
  var KPIS = [
    ["completion_rate", "办结率", pct], ["on_time_rate", "按期办结率", pct],
    ["avg_workdays_to_archive", "平均结案（工作日）", function (v) { return v == null ? "—" : v.toFixed(1); }],
    ["on_spot_rate", "现场处置率", pct], ["in_grid_rate", "网格内解决率", pct],
    ["satisfaction_rate", "满意率", pct], ["patrol_share", "巡查发现占比", pct],
    ["approvals_completion_rate", "审批办结率", pct],
    ["approvals_avg_workdays", "审批平均用时（工作日）", function (v) { return v == null ? "—" : v.toFixed(1); }],
    ["enforcement_on_time_rate", "执法按期率", pct]
  ];

  function fillCounts(d) {
    $("c-today").textContent = d.intake_today.total;
    $("c-open").textContent = d.open;
    $("c-overdue").textContent = d.overdue;
    $("c-archived").textContent = d.archived;
    var ul = $("channels");
    ul.innerHTML = "";
    Object.keys(d.intake_today.by_channel).forEach(function (k) {
      var li = document.createElement("li");
      li.innerHTML = "<span>" + esc(d.intake_today.labels[k]) + "</span><b>" + d.intake_today.by_channel[k] + "</b>";
      ul.appendChild(li);
    });
    $("kpi-period").textContent = d.from + " 至 " + d.to;
    if (!$("f-from").value) $("f-from").value = d.from;
    if (!$("f-to").value) $("f-to").value = d.to;
    $("kpi-grid").innerHTML = KPIS.map(function (k) {
      var v = d.kpis[k[0]];
      return '<div class="kpi' + (v == null ? " na" : "") + '" data-kpi="' + k[0] + '"><span>' + k[1] + "</span><b>" + k[2](v) + "</b></div>";
    }).join("");
  }

  var LABEL = { "new": "新件", urgent: "紧急", overdue: "超期" };
  var LEVEL = { red: "#ff1744", orange: "#ff9100", yellow: "#ffea00", blue: "#2979ff" };
  var incidentLayer = L.layerGroup().addTo(map);
  function drawIncidents(list) {
    incidentLayer.clearLayers();
    list.forEach(function (i) {
      if (i.lat == null || i.lon == null) return;
      L.circleMarker([i.lat, i.lon], { radius: 14, weight: 4, color: LEVEL[i.level] || "#ff1744", fillOpacity: 0.25,
        className: i.status === "alarm" ? "incident-alarm" : "" })
        .bindPopup('<a href="/command/incidents/' + i.id + '/">' + esc(i.code) + "</a> " + esc(i.type_display) + "<br>" + esc(i.status_display))
        .addTo(incidentLayer);
    });
  }

  function fillFeed(d) {
    drawIncidents(d.incidents);
    $("feed").innerHTML = d.feed.map(function (i) {
      return '<li><span class="tag ' + i.kind + '">' + LABEL[i.kind] + '</span><a href="' + esc(i.link) + '" title="' + esc(i.text) + '">' +
        esc(i.code) + " " + esc(i.title) + "</a></li>";
    }).join("") || '<li class="muted">暂无</li>';
    $("alarms").innerHTML = d.incidents.map(function (i) {
      return '<div class="alarm level-' + i.level + " " + i.status + '" data-incident="' + i.id + '"><a href="/command/incidents/' + i.id + '/">' +
        esc(i.level_display.split("（")[0]) + "应急 · " + esc(i.type_display) + "</a> " + esc(i.code) +
        "<br>" + esc(i.status_display) + (i.current_link ? " · 当前通知：" + esc(i.current_link) : "") +
        "<br><small>" + esc(i.description.slice(0, 40)) + "</small></div>";
    }).join("");
    $("tasks").innerHTML = d.tasks.map(function (t) {
      var w = function (n) { return t.expected ? (100 * n / t.expected) : 0; };
      return '<li><a href="/command/tasks/' + t.id + '/">' + esc(t.title) + "</a> <small class=\"muted\">应报 " + t.expected +
        " · 确认 " + t.confirmed + " · 回报 " + t.reported + " · 按时 " + t.on_time + '</small><div class="bar"><i class="rep" style="width:' +
        w(t.reported) + '%"></i><i class="conf" style="width:' + w(t.confirmed - t.reported) + '%"></i></div></li>';
    }).join("") || '<li class="muted">近期无工作布置</li>';
  }

  var charts = {};
  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: "canvas" });
    return charts[id];
  }
  var AXIS = { axisLine: { lineStyle: { color: "#5b718f" } }, axisLabel: { color: "#8da3c0" }, splitLine: { lineStyle: { color: "#1a365c" } } };
  function fillCharts(d) {
    chart("trend").setOption({
      animation: false,
      textStyle: { fontFamily: "WenQuanYi Micro Hei, sans-serif" },
      grid: { left: 40, right: 16, top: 34, bottom: 24 },
      legend: { data: ["上报", "结案"], top: 0, right: 10, textStyle: { color: "#dfe8f5" } },
      tooltip: { trigger: "axis" },
      xAxis: Object.assign({ type: "category", data: d.trends.weeks.map(function (w) { return w.slice(5); }) }, AXIS),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      series: [
        { name: "上报", type: "line", smooth: true, data: d.trends.reported, itemStyle: { color: "#42a5f5" }, areaStyle: { opacity: 0.15 } },
        { name: "结案", type: "line", smooth: true, data: d.trends.archived, itemStyle: { color: "#69f0ae" } }
      ]
    });
    var cats = d.top_categories.slice().reverse();
    chart("topcats").setOption({
      animation: false,
      textStyle: { fontFamily: "WenQuanYi Micro Hei, sans-serif" },
      grid: { left: 110, right: 24, top: 10, bottom: 20 },
      tooltip: {},
      xAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      yAxis: Object.assign({ type: "category", data: cats.map(function (c) { return c.category; }) }, AXIS),
      series: [{ type: "bar", data: cats.map(function (c) { return c.count; }), itemStyle: { color: "#ffb74d" }, barMaxWidth: 18 }]
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function period() {
    var f = $("f-from").value, t = $("f-to").value;
    return (f ? "&from=" + f : "") + (t ? "&to=" + t : "");
  }

  function loadMap() {
    var where = encodeURIComponent(region());
    if (state.mode === "colour") {
      var month = $("f-month").value;
      return getJSON(API + "layers/colours/?region=" + where + (month ? "&month=" + month : "")).then(function (d) {
        if (!$("f-month").value) $("f-month").value = d.month;
        drawColours(d);
        root.setAttribute("data-layer", "colour");
      });
    }
    var hot = state.mode === "hotspots" ? "&hotspots=1" : "";
    var base = getJSON(API + "map/?parent=" + where + hot);
    if (state.mode !== "firms") {
      return base.then(function (d) { drawLayer(d); legend(""); root.setAttribute("data-layer", state.mode); });
    }
    return Promise.all([base, getJSON(API + "layers/firms/?region=" + where)]).then(function (r) {
      drawLayer(r[0]); drawFirms(r[1]); root.setAttribute("data-layer", "firms");
    });
  }

  function refresh() {
    drawCrumbs();
    var figures = getJSON(API + "overview/?region=" + encodeURIComponent(region()) + period()).then(function (d) {
      fillCounts(d); fillFeed(d); fillCharts(d);
    });
    return Promise.all([figures, loadMap()]).then(function () {
      $("updated").textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
      root.setAttribute("data-loaded", String(Date.now()));
    }).catch(function (e) { $("updated").textContent = "更新失败（" + e.message + "），稍后重试"; });
  }

  ["f-from", "f-to"].forEach(function (id) { $(id).addEventListener("change", refresh); });
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
