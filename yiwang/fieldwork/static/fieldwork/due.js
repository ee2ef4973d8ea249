// 今日待访: "按离我最近排序" reloads the list with the phone's position.
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  var status = document.getElementById("gps-status");
  if (!button) return;
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = "此设备不支持定位。"; return; }
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      var url = new URL(window.location.href);
      url.searchParams.set("lon", pos.coords.longitude.toFixed(6));
      url.searchParams.set("lat", pos.coords.latitude.toFixed(6));
      window.location.href = url.toString();
    }, function () { status.textContent = "定位失败，请检查定位权限。"; },
    { enableHighAccuracy: true, timeout: 15000 });
  });
})();
