/* The 亩均 classes on a map (Leaflet): one coloured dot per evaluated firm. Offline by
 * default: without a tile URL the map is a blank canvas with the points. */
(function () {
  "use strict";
  var COLOURS = { A: "#2e7d32", B: "#1f5fbf", C: "#f9a825", D: "#c62828", T: "#888888" };
  var el = document.getElementById("class-map");
  var data = document.getElementById("class-points");
  if (!el || !data || typeof L === "undefined") return;
  var points = [];
  try { points = JSON.parse(data.textContent) || []; } catch (e) { points = []; }
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.5 });
  var tiles = el.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
  var group = L.featureGroup();
  points.forEach(function (p) {
    var colour = COLOURS[p["class"]] || "#888888";
    L.circleMarker([p.lat, p.lon], { radius: 7, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 0.9 })
      .bindTooltip(String(p.name).replace(/[<>&]/g, "") + " · " + p["class"])
      .addTo(group);
  });
  if (points.length) {
    map.fitBounds(group.getBounds().pad(0.2));
  } else {
    map.setView([31.35, 120.80], 13);
  }
  group.addTo(map);
})();
