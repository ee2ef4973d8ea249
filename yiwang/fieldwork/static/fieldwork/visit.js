// 走访登记: fill lon/lat/accuracy from the phone's GPS (the server checks the distance).
(function () {
  "use strict";
  var status = document.getElementById("gps-status");
  function locate() {
    if (!navigator.geolocation) { status.textContent = "此设备不支持定位，可直接提交。"; return; }
    status.textContent = "正在获取定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("lon").value = pos.coords.longitude.toFixed(6);
      document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
      document.getElementById("accuracy_m").value = Math.round(pos.coords.accuracy);
      status.textContent = "已定位（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
      status.dataset.located = "1";
    }, function () { status.textContent = "定位失败：记录将标记为“未获取定位”。"; },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  }
  document.getElementById("gps-button").addEventListener("click", locate);
  if (!document.getElementById("lon").value) locate();
})();
