/* Maps of the work-order pages (Leaflet). Offline by default: without a tile URL the map is a
 * blank canvas with the grid / street polygons drawn from GeoJSON, so a point can still be set. */
(function () {
  "use strict";
  var DEFAULT_CENTER = [31.35, 120.80]; // 唯亭 (used only when nothing else is known)

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return [];
    try { return JSON.parse(el.textContent) || []; } catch (e) { return []; }
  }

  function baseMap(el) {
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.5 });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    return map;
  }

  function drawFeatures(map, features) {
    var group = L.featureGroup();
    features.forEach(function (f) {
      var grid = f.level === "grid";
      L.geoJSON(f.geometry, {
        style: { color: grid ? "#1f5fbf" : "#7a8699", weight: grid ? 2 : 1.5,
                 fillOpacity: grid ? 0.08 : 0.03, dashArray: grid ? null : "4 4" },
        interactive: false
      }).addTo(group);
      if (grid) {
        // label the grid at its centre (no tooltip needed offline)
        var b = L.geoJSON(f.geometry).getBounds();
        L.marker(L.latLng(b.getNorth(), b.getCenter().lng), { interactive: false, icon: L.divIcon({ className: "grid-label",
          html: "<span>" + f.name.replace(/[<>&]/g, "") + "</span>", iconSize: null }) }).addTo(group);
      }
    });
    return group; // the caller adds it once the view is set (markers need a view)
  }

  function pointMarker(latlng) {
    return L.circleMarker(latlng, { radius: 9, color: "#c62828", weight: 3, fillColor: "#ff5252", fillOpacity: 0.9 });
  }

  /* The report page: tap to set the point; GPS button; manual fields stay in sync. */
  function initReport(opts) {
    var el = document.getElementById(opts.mapId);
    if (!el || typeof L === "undefined") return;
    var lon = document.getElementById(opts.lonId), lat = document.getElementById(opts.latId);
    var result = document.getElementById(opts.resultId);
    var map = baseMap(el);
    var group = drawFeatures(map, readJSON(opts.featuresId));
    var marker = null;

    function locate(lo, la) {
      if (!opts.locateUrl || !window.htmx || !result) return;
      window.htmx.ajax("GET", opts.locateUrl + "?lon=" + lo + "&lat=" + la, { target: result, swap: "innerHTML" });
    }
    function place(lo, la, fill) {
      lo = Number(lo); la = Number(la);
      if (!isFinite(lo) || !isFinite(la) || Math.abs(lo) > 180 || Math.abs(la) > 90) return;
      if (fill) { lon.value = lo.toFixed(6); lat.value = la.toFixed(6); }
      var ll = L.latLng(la, lo);
      if (marker) { marker.setLatLng(ll); } else { marker = pointMarker(ll).addTo(map); }
      el.setAttribute("data-point", lo.toFixed(6) + "," + la.toFixed(6));
      locate(lo.toFixed(6), la.toFixed(6));
    }

    if (lon.value && lat.value) {
      map.setView([Number(lat.value), Number(lon.value)], 16);
      place(lon.value, lat.value, false);
    } else if (group.getLayers().length) {
      map.fitBounds(group.getBounds(), { padding: [10, 10] });
    } else {
      map.setView(DEFAULT_CENTER, 13);
    }
    group.addTo(map);
    map.on("click", function (e) { place(e.latlng.lng, e.latlng.lat, true); });
    function typed() { if (lon.value && lat.value) { place(lon.value, lat.value, false); map.panTo([Number(lat.value), Number(lon.value)]); } }
    lon.addEventListener("change", typed); lat.addEventListener("change", typed);

    var gps = document.getElementById(opts.gpsId);
    if (gps) {
      gps.addEventListener("click", function () {
        var status = document.getElementById(opts.gpsStatusId);
        if (!navigator.geolocation) { status.textContent = "本设备不支持定位，请在地图上点选或手动输入经纬度。"; return; }
        status.textContent = "正在定位…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          var lo = pos.coords.longitude, la = pos.coords.latitude;
          place(lo, la, true);
          map.setView([la, lo], 17);
          status.textContent = "已定位（精度约 " + Math.round(pos.coords.accuracy || 0) + " 米）。";
        }, function (err) {
          status.textContent = "无法获取位置（" + (err.code === 1 ? "未授权定位" : "定位失败") + "），请在地图上点选或手动输入经纬度。";
        }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
      });
    }
    setTimeout(function () { map.invalidateSize(); }, 200);
    return map;
  }

  /* The detail page: the order's point and its grid. */
  function initDetail(opts) {
    var el = document.getElementById(opts.mapId);
    if (!el || typeof L === "undefined") return;
    var map = baseMap(el);
    var group = drawFeatures(map, readJSON(opts.featuresId));
    var lo = el.getAttribute("data-lon"), la = el.getAttribute("data-lat");
    var point = lo && la ? L.latLng(Number(la), Number(lo)) : null;
    if (group.getLayers().length) {
      var bounds = group.getBounds();
      if (point) bounds.extend(point);
      map.fitBounds(bounds, { padding: [12, 12], maxZoom: 18 });
    } else if (point) {
      map.setView(point, 17);
    } else {
      map.setView(DEFAULT_CENTER, 13);
    }
    group.addTo(map);
    if (point) pointMarker(point).addTo(map);
    setTimeout(function () { map.invalidateSize(); }, 200);
    return map;
  }

  window.yiwangMaps = { initReport: initReport, initDetail: initDetail };
})();
