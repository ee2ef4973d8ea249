/* Photo pickers: show the chosen files' names in Chinese (the native button's text is the
 * browser's). Delegated on the document so it works in panels swapped in by HTMX. */
document.addEventListener("change", function (e) {
  var input = e.target;
  if (!input.matches || !input.matches(".photo-pick input[type=file]")) return;
  var out = input.parentNode.nextElementSibling;
  if (!out || !out.classList.contains("photo-names")) return;
  var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
  out.textContent = names.length ? "已选择 " + names.length + " 张：" + names.join("、") : "未选择照片（可多张）";
});
