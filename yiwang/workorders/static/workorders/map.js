/* Maps of the work-order pages (Leaflet). Offline by default: without a tile URL the map draws
 * our own base from /wo/map/base.json — street, community and grid outlines with their names
 * at sensible zoom levels, and the 房屋库's buildings as points once zoomed in — so a resident
 * can find their building without any tile server. */
(function () {
  "use strict";
  var DEFAULT_CENTER = [31.35, 120.80]; // 唯亭 (used only when nothing else is known)
  var HOUSE_ZOOM = 16; // buildings from this zoom on
  var HOUSE_LABEL_ZOOM = 17; // and their names from this one
  var GRID_ZOOM = 14.5; // grid outlines from this zoom on (communities and streets always)
  // which labels show at which zoom: streets far out, communities in between, grids close in
  var LABEL_ZOOMS = { street: [0, 14.5], community: [13.5, 16.5], grid: [15.5, 30] };
  var STYLES = {
    street: { color: "#5b6472", weight: 2.5, fillColor: "#f3efe4", fillOpacity: 1, dashArray: null },
    community: { color: "#6f7b8f", weight: 2, fillColor: "#eef2e6", fillOpacity: 0.6, dashArray: "6 4" },
    grid: { color: "#1f5fbf", weight: 1, fillColor: "#1f5fbf", fillOpacity: 0.04, dashArray: null }
  };

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return [];
    try { return JSON.parse(el.textContent) || []; } catch (e) { return []; }
  }

  function esc(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  function shortAddress(address) {
    return String(address).replace(/^.*?(街道|镇)/, "");
  }

  function label(latlng, text, level) {
    return L.marker(latlng, { interactive: false, keyboard: false, pane: "labelPane",
      icon: L.divIcon({ className: "map-label map-label-" + level,
        html: "<span>" + esc(text) + "</span>", iconSize: null }) });
  }

  /* The offline base: outlines in a pane under everything else, labels per level switched by
   * zoom, houses fetched for the visible bbox when zoomed in. */
  function offlineBase(map, url, opts) {
    var filled = opts.filled;
    var outlines = L.featureGroup(), labels = { street: L.layerGroup(), community: L.layerGroup(), grid: L.layerGroup() };
    var gridOutlines = L.featureGroup(); // drawn only from GRID_ZOOM on: a street has hundreds
    var houses = L.layerGroup().addTo(map);
    var lastHouseKey = "";
    var state = { bounds: null };

    function showLabels() {
      var z = map.getZoom();
      var grids = z >= GRID_ZOOM;
      if (grids && !map.hasLayer(gridOutlines)) gridOutlines.addTo(map);
      if (!grids && map.hasLayer(gridOutlines)) map.removeLayer(gridOutlines);
      Object.keys(labels).forEach(function (level) {
        var r = LABEL_ZOOMS[level], on = z >= r[0] && z < r[1];
        if (on && !map.hasLayer(labels[level])) labels[level].addTo(map);
        if (!on && map.hasLayer(labels[level])) map.removeLayer(labels[level]);
      });
    }

    function loadHouses() {
      if (map.getZoom() < HOUSE_ZOOM) { houses.clearLayers(); lastHouseKey = ""; return; }
      var b = map.getBounds();
      var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
      if (box === lastHouseKey) return;
      lastHouseKey = box;
      fetch(url + "?layer=houses&bbox=" + box, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { houses: [] }; })
        .then(function (data) {
          if (box !== lastHouseKey) return; // a newer view asked since
          houses.clearLayers();
          (data.houses || []).forEach(function (h) {
            var m = L.circleMarker([h.lat, h.lon], { pane: "housePane", radius: 5, color: "#6d4c41",
              weight: 1, fillColor: "#bcaaa4", fillOpacity: 0.9 });
            m.bindTooltip(esc(h.address) + (h.units > 1 ? "（" + h.units + " 户）" : ""), { direction: "top" });
            m.on("click", function (e) {
              if (opts.onHouse) { L.DomEvent.stopPropagation(e); opts.onHouse(h); }
            });
            m.addTo(houses);
            if (map.getZoom() >= HOUSE_LABEL_ZOOM) {
              L.marker([h.lat, h.lon], { interactive: false, keyboard: false, pane: "labelPane",
                icon: L.divIcon({ className: "map-label map-label-house",
                  html: "<span>" + esc(shortAddress(h.address)) + "</span>", iconSize: null }) }).addTo(houses);
            }
          });
          map.getContainer().setAttribute("data-houses", String((data.houses || []).length));
        })
        .catch(function () { /* offline and no server: the outlines stay */ });
    }

    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { regions: [] }; })
      .then(function (data) {
        var regions = data.regions || [];
        ["street", "community", "grid"].forEach(function (level) {
          regions.filter(function (f) { return f.level === level; }).forEach(function (f) {
            var style = L.extend({}, STYLES[level], { pane: "basePane", interactive: false });
            if (!filled) style.fillOpacity = level === "grid" ? 0.05 : 0.02;
            var layer = L.geoJSON(f.geometry, { style: style, interactive: false });
            layer.addTo(outlines);
            if (level === "grid") { outlines.removeLayer(layer); layer.addTo(gridOutlines); }
            label(layer.getBounds().getCenter(), f.name, level).addTo(labels[level]);
          });
        });
        outlines.addTo(map);
        map.getContainer().setAttribute("data-regions", String(regions.length));
        if (outlines.getLayers().length) state.bounds = outlines.getBounds();
        else if (gridOutlines.getLayers().length) state.bounds = gridOutlines.getBounds();
        if (opts.onLoad) opts.onLoad(state.bounds);
        showLabels();
        loadHouses();
      })
      .catch(function () { if (opts.onLoad) opts.onLoad(null); });

    map.on("zoomend", showLabels);
    map.on("moveend", loadHouses);
    return state;
  }

  function baseMap(el, opts) {
    opts = opts || {};
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.5, maxZoom: 19 });
    map.createPane("basePane").style.zIndex = 250;
    map.createPane("housePane").style.zIndex = 395; // under the point (overlayPane 400)
    var labelPane = map.createPane("labelPane");
    labelPane.style.zIndex = 390; // above the outlines, under the point and the buildings
    labelPane.style.pointerEvents = "none";
    var tiles = el.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    else { el.classList.add("offline"); }
    var baseUrl = el.getAttribute("data-base-url");
    if (baseUrl) {
      offlineBase(map, baseUrl, { filled: !tiles, onHouse: opts.onHouse, onLoad: opts.onLoad });
    } else if (opts.onLoad) {
      setTimeout(function () { opts.onLoad(null); }, 0);
    }
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
        var b = L.geoJSON(f.geometry).getBounds();
        L.marker(L.latLng(b.getNorth(), b.getCenter().lng), { interactive: false, icon: L.divIcon({ className: "grid-label",
          html: "<span>" + esc(f.name) + "</span>", iconSize: null }) }).addTo(group);
      }
    });
    return group; // the caller adds it once the view is set (markers need a view)
  }

  function pointMarker(latlng) {
    return L.circleMarker(latlng, { radius: 9, color: "#c62828", weight: 3, fillColor: "#ff5252", fillOpacity: 0.9 });
  }

  function debounce(fn, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  /* The report page: tap (or pick a building) to set the point; 定位到我 / GPS; an address
   * matched against the 房屋库; open orders nearby with similar text (我也遇到). */
  function initReport(opts) {
    var el = document.getElementById(opts.mapId);
    if (!el || typeof L === "undefined") return;
    var lon = document.getElementById(opts.lonId), lat = document.getElementById(opts.latId);
    var result = document.getElementById(opts.resultId);
    var address = document.getElementById(opts.addressId);
    var similar = document.getElementById(opts.similarId);
    var description = document.getElementById(opts.descriptionId);
    var marker = null, map = null, group = null;

    function locate(lo, la) {
      if (!opts.locateUrl || !window.htmx || !result) return;
      window.htmx.ajax("GET", opts.locateUrl + "?lon=" + lo + "&lat=" + la, { target: result, swap: "innerHTML" });
    }
    var refreshSimilar = debounce(function () {
      if (!similar || !window.htmx || !lon.value || !lat.value || !description) return;
      var text = description.value.trim();
      if (text.length < 4) { similar.innerHTML = ""; return; }
      var url = similar.getAttribute("data-url") + "?lon=" + encodeURIComponent(lon.value) +
        "&lat=" + encodeURIComponent(lat.value) + "&description=" + encodeURIComponent(text.slice(0, 500));
      window.htmx.ajax("GET", url, { target: similar, swap: "innerHTML" });
    }, 500);
    function place(lo, la, fill) {
      lo = Number(lo); la = Number(la);
      if (!isFinite(lo) || !isFinite(la) || Math.abs(lo) > 180 || Math.abs(la) > 90) return;
      if (fill) { lon.value = lo.toFixed(6); lat.value = la.toFixed(6); }
      var ll = L.latLng(la, lo);
      if (marker) { marker.setLatLng(ll); } else { marker = pointMarker(ll).addTo(map); }
      el.setAttribute("data-point", lo.toFixed(6) + "," + la.toFixed(6));
      locate(lo.toFixed(6), la.toFixed(6));
      refreshSimilar();
    }

    map = baseMap(el, {
      onHouse: function (h) {
        place(h.lon, h.lat, true);
        if (address && !address.value) address.value = h.address;
      },
      onLoad: function (bounds) {
        if (lon.value && lat.value) return; // the point's view stays
        map.invalidateSize();
        if (group && group.getLayers().length) { map.fitBounds(group.getBounds(), { padding: [10, 10] }); }
        else if (bounds) { map.fitBounds(bounds, { padding: [10, 10] }); }
      }
    });
    group = drawFeatures(map, readJSON(opts.featuresId));

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
    if (description) description.addEventListener("input", refreshSimilar);

    var gps = document.getElementById(opts.gpsId);
    if (gps) {
      gps.addEventListener("click", function () {
        var status = document.getElementById(opts.gpsStatusId);
        if (!navigator.geolocation) { status.textContent = "本设备不支持定位，请在地图上点选或填写地址。"; return; }
        status.textContent = "正在定位…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          var lo = pos.coords.longitude, la = pos.coords.latitude;
          place(lo, la, true);
          map.setView([la, lo], 17);
          status.textContent = "已定位到您的位置（精度约 " + Math.round(pos.coords.accuracy || 0) + " 米），可在地图上微调。";
        }, function (err) {
          status.textContent = "无法获取位置（" + (err.code === 1 ? "未授权定位" : "定位失败") + "），请在地图上点选或填写地址。";
        }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
      });
    }

    var suggest = document.getElementById(opts.suggestId);
    var addressButton = document.getElementById(opts.addressButtonId);
    var lastLookup = "";
    function lookup() {
      if (!address || !suggest || !window.htmx) return;
      var text = address.value.trim();
      lastLookup = text;
      if (text.length < 2) { suggest.innerHTML = '<p class="warn">请先填写地址（如小区名和楼幢号）。</p>'; return; }
      window.htmx.ajax("GET", opts.locateUrl + "?address=" + encodeURIComponent(text), { target: suggest, swap: "innerHTML" });
    }
    if (addressButton) addressButton.addEventListener("click", lookup);
    if (address) {
      address.addEventListener("change", function () { if (!lon.value) lookup(); });
      address.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); lookup(); } });
    }
    // Submitting with an address but no point: first offer the 房屋库's matches (once), so the
    // order gets a point and can be routed; a second submit files it by the address alone.
    var form = el.closest ? el.closest("form") : null;
    var offered = false;
    if (form && address && suggest && !opts.gridWorker) {
      form.addEventListener("submit", function (e) {
        if (offered || lon.value || lat.value || address.value.trim().length < 2) return;
        if (e.submitter && e.submitter.getAttribute("formaction")) return; // 我也遇到
        e.preventDefault();
        offered = true;
        if (lastLookup !== address.value.trim()) lookup(); // the change event may have asked
        suggest.scrollIntoView({ block: "center" });
        suggest.setAttribute("data-offered", "1");
      });
    }
    if (suggest) {
      suggest.addEventListener("click", function (e) {
        var b = e.target.closest ? e.target.closest("button.suggest") : null;
        if (!b) return;
        place(b.getAttribute("data-lon"), b.getAttribute("data-lat"), true);
        map.setView([Number(b.getAttribute("data-lat")), Number(b.getAttribute("data-lon"))], 17);
        if (address && b.getAttribute("data-address")) address.value = b.getAttribute("data-address");
        suggest.innerHTML = '<p class="ok">已按房屋库定位到：' + esc(b.getAttribute("data-address") || "") + "</p>";
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
