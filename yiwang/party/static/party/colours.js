// 四色网格 map: each grid filled with its colour for the month (offline without tiles).
(function () {
  "use strict";
  var el = document.getElementById("colour-map");
  if (!el || typeof L === "undefined") return;
  var data = JSON.parse(document.getElementById("colour-features").textContent || "{}");
  var map = L.map(el, { attributionControl: false });
  var tiles = el.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  var layer = L.geoJSON(data, {
    style: function (f) { return { color: "#555", weight: 1, fillColor: f.properties.colour, fillOpacity: 0.55 }; },
    onEachFeature: function (f, l) { l.bindTooltip(f.properties.name + " · " + f.properties.label); }
  }).addTo(map);
  if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); } else { map.setView([31.36, 120.78], 13); }
})();
