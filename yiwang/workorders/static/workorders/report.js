/* The resident's category picker (问题类型): a short list of everyday categories with icons,
 * and a search over every small class; the choice goes into the hidden `category` input. */
(function () {
  "use strict";

  function initPicker(opts) {
    var picker = document.getElementById(opts.pickerId);
    if (!picker) return;
    var input = document.getElementById(opts.inputId);
    var search = document.getElementById(opts.searchId);
    var results = document.getElementById(opts.resultsId);
    var chosen = document.getElementById(opts.chosenId);
    var index = [];
    try { index = JSON.parse(document.getElementById(opts.indexId).textContent) || []; } catch (e) { index = []; }

    function choose(code, label) {
      input.value = code;
      picker.querySelectorAll(".cat-chip").forEach(function (b) {
        var on = b.getAttribute("data-code") === code;
        b.classList.toggle("chosen", on);
        b.setAttribute("aria-pressed", on ? "true" : "false");
      });
      chosen.innerHTML = "";
      chosen.appendChild(document.createTextNode("已选："));
      var strong = document.createElement("strong");
      strong.textContent = code ? label : "不确定，由系统智能分拣";
      chosen.appendChild(strong);
    }

    picker.addEventListener("click", function (e) {
      var b = e.target.closest ? e.target.closest("button[data-code]") : null;
      if (!b) return;
      choose(b.getAttribute("data-code"), b.getAttribute("data-label"));
      if (b.classList.contains("cat-result")) { results.innerHTML = ""; search.value = ""; }
    });

    function render() {
      var q = search.value.trim();
      results.innerHTML = "";
      if (!q) return;
      var hits = index.filter(function (row) {
        return row[1].indexOf(q) >= 0 || row[2].indexOf(q) >= 0 || row[0].indexOf(q) === 0;
      }).slice(0, 8);
      if (!hits.length) {
        var li = document.createElement("li");
        li.className = "hint";
        li.textContent = "没有找到“" + q + "”，可选“不确定”，由系统分拣。";
        results.appendChild(li);
        return;
      }
      hits.forEach(function (row) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "cat-result";
        b.setAttribute("data-code", row[0]);
        b.setAttribute("data-label", row[1]);
        b.textContent = row[1];
        var group = document.createElement("span");
        group.className = "meta";
        group.textContent = " " + row[2];
        b.appendChild(group);
        li.appendChild(b);
        results.appendChild(li);
      });
    }
    search.addEventListener("input", render);
    search.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
  }

  window.yiwangReport = { initPicker: initPicker };
})();
