/* 巡查: GPS fixes go to a queue in localStorage and are sent in batches; when the network
 * drops they stay on the phone and are sent later (the server skips fixes it already has,
 * so a resend is harmless). A lost signal shows as a gap: the track is drawn per segment. */
(function () {
  "use strict";
  var root = document.getElementById("patrol");
  if (!root) return;
  var patrolId = root.getAttribute("data-patrol");
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var BATCH = 100, FLUSH_MS = 10000;
  var key = "yiwang.patrol." + patrolId + ".queue";
  var flushing = false, last = null, map = null, line = null;

  function $(id) { return document.getElementById(id); }
  function message(text) { $("patrol-message").textContent = text; }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}) });
  }
  function errorText(res) {
    return res.json().then(function (d) { return (d.error && d.error.message) || "请求失败"; },
                           function () { return "请求失败（" + res.status + "）"; });
  }

  if (!patrolId) {
    $("start-patrol").addEventListener("click", function () {
      var go = function (lon, lat) {
        post("/api/v1/patrols/", lon === undefined ? {} : { lon: lon, lat: lat }).then(function (res) {
          if (res.ok) { window.location.reload(); } else { errorText(res).then(message); }
        }, function () { message("网络不可用，无法开始巡查。"); });
      };
      if (!navigator.geolocation) { go(); return; }
      navigator.geolocation.getCurrentPosition(function (p) { go(p.coords.longitude, p.coords.latitude); },
        function () { go(); }, { enableHighAccuracy: true, timeout: 8000 });
    });
    return;
  }

  function queue() { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(key, JSON.stringify(q)); $("pending").textContent = q.length; }
  function online(ok) {
    var el = $("net-status");
    el.textContent = ok ? "在线" : "离线（轨迹保存在手机上）";
    el.className = ok ? "online" : "offline";
  }

  function flush() {
    if (flushing) return Promise.resolve();
    var batch = queue().slice(0, BATCH);
    if (!batch.length) return Promise.resolve();
    flushing = true;
    return post("/api/v1/patrols/" + patrolId + "/points/", { points: batch }).then(function (res) {
      flushing = false;
      online(true);
      if (res.ok) {
        return res.json().then(function (d) {
          var q = queue(); q.splice(0, batch.length); save(q);
          $("distance").textContent = Math.round(d.distance_m);
          $("points").textContent = parseInt($("points").textContent, 10) + d.accepted;
          if (q.length) return flush();
        });
      }
      if (res.status >= 400 && res.status < 500) {  // refused: never retried forever
        var q = queue(); q.splice(0, batch.length); save(q);
        return errorText(res).then(message);
      }
    }, function () { flushing = false; online(false); });
  }

  function addPoint(lon, lat, accuracy, at) {
    var q = queue();
    q.push({ lon: lon, lat: lat, accuracy_m: accuracy, at: at || new Date().toISOString() });
    save(q);
    last = { lon: lon, lat: lat };
    if (line) { line.addLatLng([lat, lon]); }
    if (q.length >= BATCH) flush();
  }

  function drawMap() {
    if (typeof L === "undefined") return;
    var el = $("patrol-map");
    map = L.map(el, { attributionControl: false });
    var tiles = root.getAttribute("data-tiles");
    if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    var segments = JSON.parse($("patrol-track").textContent || "[]");
    var group = L.featureGroup().addTo(map);
    segments.forEach(function (s) { L.polyline(s.map(function (p) { return [p[1], p[0]]; }), { color: "#1f5fbf" }).addTo(group); });
    line = L.polyline([], { color: "#c62828" }).addTo(group);
    if (group.getBounds().isValid()) { map.fitBounds(group.getBounds().pad(0.2)); } else { map.setView([31.36, 120.78], 15); }
  }

  $("report-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var form = ev.target;
    var body = { description: form.description.value, category: form.category.value };
    if (last) { body.lon = last.lon; body.lat = last.lat; }
    post("/api/v1/patrols/" + patrolId + "/reports/", body).then(function (res) {
      if (res.ok) {
        return res.json().then(function (d) {
          $("report-result").innerHTML = "";
          var a = document.createElement("a");
          a.href = "/wo/" + d.id + "/"; a.textContent = "已上报：工单 " + d.code + "（" + d.status_display + "）";
          $("report-result").appendChild(a);
          form.reset();
        });
      }
      return errorText(res).then(function (t) { $("report-result").textContent = t; });
    }, function () { $("report-result").textContent = "网络不可用，请稍后再报。"; });
  });

  $("end-patrol").addEventListener("click", function () {
    flush().then(function () {
      if (queue().length) { message("还有轨迹点未上传，请在有网络时再结束。"); return; }
      post("/api/v1/patrols/" + patrolId + "/end/").then(function (res) {
        if (!res.ok) { return errorText(res).then(message); }
        return res.json().then(function (d) {
          localStorage.removeItem(key);
          message("巡查结束：里程 " + Math.round(d.distance_m) + " 米，时长 " + Math.round(d.duration_s / 60) +
                  " 分钟，信号中断 " + d.gaps.length + " 次。");
          $("end-patrol").disabled = true;
        });
      });
    });
  });

  save(queue());
  drawMap();
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(function (p) {
      $("gps-status").textContent = "定位精度约 " + Math.round(p.coords.accuracy) + " 米";
      addPoint(p.coords.longitude, p.coords.latitude, Math.round(p.coords.accuracy));
    }, function () { $("gps-status").textContent = "GPS 信号丢失"; },
    { enableHighAccuracy: true, maximumAge: 0 });
  }
  window.addEventListener("online", flush);
  setInterval(flush, FLUSH_MS);
  window.yiwangPatrol = { addPoint: addPoint, flush: flush, queue: queue };
})();
