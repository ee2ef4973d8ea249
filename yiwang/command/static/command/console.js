/* The dispatcher's console (指挥调度台): the triage queue's small map on the offline base
 * (/wo/map/base.json through workorders/map.js), the "地图" buttons of the rows, and the batch
 * bar (select all, the fields of the chosen action). */
(function () {
  "use strict";

  function initMap() {
    var el = document.getElementById("console-map");
    if (!el || !window.yiwangMaps || typeof L === "undefined") return;
    var points = [];
    try { points = JSON.parse(document.getElementById("console-points").textContent) || []; } catch (e) { points = []; }
    var map = window.yiwangMaps.initDetail({ mapId: "console-map", featuresId: "console-no-features" });
    if (!map) return;
    var markers = {};
    var group = L.featureGroup();
    points.forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lon], { radius: 8, color: "#c62828", weight: 2, fillColor: "#ff5252", fillOpacity: 0.85 });
      m.bindTooltip(p.code + "（" + p.status + "）");
      m.on("click", function () {
        var row = document.querySelector("#board-orders li[data-order='" + p.code + "']");
        if (row) { row.scrollIntoView({ block: "center" }); row.classList.add("focused"); setTimeout(function () { row.classList.remove("focused"); }, 1500); }
      });
      m.addTo(group);
      markers[p.code] = m;
    });
    group.addTo(map);
    if (points.length) map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 17 });
    document.addEventListener("click", function (e) {
      var b = e.target.closest ? e.target.closest("button.locate-on-map") : null;
      if (!b) return;
      var m = markers[b.getAttribute("data-code")];
      if (!m) return;
      map.setView(m.getLatLng(), 17);
      m.openTooltip();
      el.scrollIntoView({ block: "nearest" });
      el.setAttribute("data-focus", b.getAttribute("data-code"));
    });
  }

  function initBatch() {
    var form = document.getElementById("batch-form");
    if (!form) return;
    var action = form.querySelector("select[name=action]");
    function boxes() { return document.querySelectorAll("input[name=orders][form=batch-form]"); }
    function show() {
      var value = action ? action.value : "";
      form.querySelectorAll(".b-dispatch").forEach(function (n) { n.hidden = value !== "dispatch"; });
      form.querySelectorAll(".b-merge").forEach(function (n) { n.hidden = value !== "merge"; });
    }
    if (action) { action.addEventListener("change", show); show(); }
    var all = form.querySelector("button.select-all");
    if (all) all.addEventListener("click", function () {
      var list = boxes(), every = Array.prototype.every.call(list, function (b) { return b.checked; });
      list.forEach(function (b) { b.checked = !every; });
    });
    form.addEventListener("submit", function (e) {
      var chosen = Array.prototype.filter.call(boxes(), function (b) { return b.checked; }).length;
      if (!chosen) { e.preventDefault(); alert("请先勾选要操作的工单。"); }
    });
  }

  function start() { initMap(); initBatch(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
