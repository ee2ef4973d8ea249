/* 应急上报: fill longitude and latitude from the phone's GPS. */
(function () {
  "use strict";
  var button = document.getElementById("gps");
  if (!button) return;
  var status = document.getElementById("gps-status");
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = "本设备不支持定位，请手动填写"; return; }
    status.textContent = "定位中…";
    navigator.geolocation.getCurrentPosition(function (p) {
      document.getElementById("lon").value = p.coords.longitude.toFixed(6);
      document.getElementById("lat").value = p.coords.latitude.toFixed(6);
      status.textContent = "已定位（精度约 " + Math.round(p.coords.accuracy) + " 米）";
    }, function () { status.textContent = "定位失败，请手动填写"; }, { enableHighAccuracy: true, timeout: 10000 });
  });
})();
