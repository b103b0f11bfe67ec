/* The docs site's one script: search, tooltips, the lineage view, the report's filters.
   Plain browser JavaScript, no library, nothing fetched: the search index is a script
   (search-index.js) that sets window.DOCS_INDEX, because file:// pages cannot fetch JSON.
   Every page works without it; the script only adds to what the HTML already shows. */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* ---- search ---------------------------------------------------------------------- */
  // An entry: [kind, name, where (its node, for a column), text, url].
  function score(entry, words) {
    var name = entry[1].toLowerCase(), hay = (entry[1] + " " + entry[2] + " " + entry[3]).toLowerCase();
    for (var i = 0; i < words.length; i++) if (hay.indexOf(words[i]) < 0) return -1;
    var q = words.join(" ");
    var s = name === q ? 0 : name.indexOf(q) === 0 ? 1 : name.indexOf(q) >= 0 ? 2 : 3;
    return s * 10 + (entry[0] === "model" ? 0 : entry[0] === "column" ? 1 : 2);
  }

  function search(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length || !window.DOCS_INDEX) return [];
    var hits = [];
    window.DOCS_INDEX.forEach(function (entry, i) {
      var s = score(entry, words);
      if (s >= 0) hits.push([s, i, entry]);
    });
    hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });  // ties: index order
    return hits.slice(0, 30).map(function (h) { return h[2]; });
  }

  function setupSearch() {
    var input = $("#search"), list = $("#search-results");
    if (!input || !list) return;
    function show() {
      var hits = search(input.value);
      list.textContent = "";
      list.hidden = !input.value.trim();
      if (!hits.length) { list.appendChild(el("li", "none", "Nothing found")); return; }
      hits.forEach(function (entry) {
        var li = el("li"), a = el("a");
        a.href = entry[4];
        a.appendChild(el("span", "kind", entry[0]));
        a.appendChild(el("b", "", entry[1]));
        if (entry[2]) a.appendChild(el("span", "where", " in " + entry[2]));
        if (entry[3]) a.appendChild(el("span", "text", entry[3]));
        li.appendChild(a);
        list.appendChild(li);
      });
    }
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (e) {
      var first = $("a", list);
      if (e.key === "Enter" && first) { window.location.href = first.href; }
      if (e.key === "Escape") { input.value = ""; show(); }
    });
    document.addEventListener("click", function (e) {
      if (!list.contains(e.target) && e.target !== input) list.hidden = true;
    });
    input.addEventListener("focus", function () { if (input.value.trim()) show(); });
  }

  /* ---- tooltips: on hover for a mouse, on tap for touch ------------------------------ */
  function setupTips() {
    var tip = el("div", "tip");
    tip.id = "tip";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    document.body.appendChild(tip);
    var pinned = null;
    function place(target, x, y) {
      tip.textContent = target.getAttribute("data-tip");
      tip.hidden = false;
      var w = tip.offsetWidth, h = tip.offsetHeight;
      var left = Math.min(Math.max(4, x + 12), window.innerWidth - w - 4);
      var top = y + 16 + h > window.innerHeight ? y - h - 12 : y + 16;
      tip.style.left = left + "px";
      tip.style.top = Math.max(4, top) + "px";
    }
    document.addEventListener("pointerover", function (e) {
      var t = e.target.closest && e.target.closest("[data-tip]");
      if (e.pointerType === "mouse" && t && !pinned) place(t, e.clientX, e.clientY);
    });
    document.addEventListener("pointerout", function (e) {
      var t = e.target.closest && e.target.closest("[data-tip]");
      if (e.pointerType === "mouse" && t && !pinned) tip.hidden = true;
    });
    document.addEventListener("click", function (e) {
      var t = e.target.closest && e.target.closest("[data-tip]");
      if (t && !t.closest("#lineage-graph")) {
        pinned = t;
        place(t, e.clientX, e.clientY);
      } else if (!t) {
        pinned = null;
        tip.hidden = true;
      }
    });
  }

  /* ---- lineage: zoom, and one node's upstream and downstream highlighted ------------- */
  function setupLineage() {
    var svg = $("#lineage-graph");
    if (!svg) return;
    var box = svg.parentNode, zoom = 1, selected = null;
    var up = {}, down = {};
    $$("path[data-from]", svg).forEach(function (p) {
      var a = p.getAttribute("data-from"), b = p.getAttribute("data-to");
      (down[a] = down[a] || []).push(b);
      (up[b] = up[b] || []).push(a);
    });
    function reach(start, next) {
      var seen = {}, todo = [start];
      while (todo.length) {
        var n = todo.pop();
        (next[n] || []).forEach(function (m) { if (!seen[m]) { seen[m] = true; todo.push(m); } });
      }
      return seen;
    }
    function setZoom(z) {
      zoom = Math.min(4, Math.max(1, z));
      svg.style.width = (zoom * 100) + "%";
      // a small graph is not blown up past 1.25 times its size; zooming lifts the cap
      var natural = parseFloat(svg.getAttribute("data-width")) || 0;
      if (natural) svg.style.maxWidth = (natural * 1.25 * zoom) + "px";
      var label = $("#zoom-level");
      if (label) label.textContent = Math.round(zoom * 100) + "%";
    }
    function select(id) {
      selected = id;
      var panel = $("#lineage-panel");
      svg.classList.toggle("focused", !!id);
      if (!id) {
        $$(".hl, .hl-up, .hl-down, .selected", svg).forEach(function (e) {
          e.classList.remove("hl", "hl-up", "hl-down", "selected");
        });
        if (panel) panel.hidden = true;
        return;
      }
      var ups = reach(id, up), downs = reach(id, down);
      $$("a.node", svg).forEach(function (a) {
        var n = a.getAttribute("data-node");
        a.classList.toggle("selected", n === id);
        a.classList.toggle("hl-up", !!ups[n]);
        a.classList.toggle("hl-down", !!downs[n]);
        a.classList.toggle("hl", n === id || !!ups[n] || !!downs[n]);
      });
      $$("path[data-from]", svg).forEach(function (p) {
        var a = p.getAttribute("data-from"), b = p.getAttribute("data-to");
        var onUp = !!ups[a] && (b === id || !!ups[b]);
        var onDown = !!downs[b] && (a === id || !!downs[a]);
        p.classList.toggle("hl", !!(onUp || onDown));
      });
      if (panel) {
        var node = $('a.node[data-node="' + id.replace(/"/g, '\\"') + '"]', svg);
        $(".name", panel).textContent = node.getAttribute("aria-label");
        var tip = node.getAttribute("data-tip"), cut = tip.indexOf("): ");
        $(".about", panel).textContent = cut >= 0 ? tip.slice(cut + 3) : "";
        $(".about", panel).title = $(".about", panel).textContent;
        $(".counts", panel).textContent = Object.keys(ups).length + " upstream, " +
          Object.keys(downs).length + " downstream";
        $("a.open", panel).href = node.getAttribute("href");
        panel.hidden = false;
      }
    }
    svg.addEventListener("click", function (e) {
      var a = e.target.closest("a.node");
      if (!a) { select(null); return; }
      if (e.detail === 0) return;  // Enter on a focused node: follow the link
      e.preventDefault();
      var id = a.getAttribute("data-node");
      select(selected === id ? null : id);
    });
    var zin = $("#zoom-in"), zout = $("#zoom-out"), fit = $("#zoom-fit");
    if (zin) zin.addEventListener("click", function () { setZoom(zoom * 1.5); });
    if (zout) zout.addEventListener("click", function () { setZoom(zoom / 1.5); });
    if (fit) fit.addEventListener("click", function () { setZoom(1); box.scrollLeft = 0; });
    box.addEventListener("wheel", function (e) {
      if (!e.ctrlKey) return;  // a pinch on a touchpad, or ctrl + wheel
      e.preventDefault();
      setZoom(zoom * (e.deltaY < 0 ? 1.2 : 1 / 1.2));
    }, { passive: false });
    var clear = $("#lineage-clear");
    if (clear) clear.addEventListener("click", function () { select(null); });
    setZoom(1);
  }

  /* ---- the reconciliation table: filters and sort ----------------------------------- */
  function setupReport() {
    var table = $("table.report"), form = $("#report-filters");
    if (!table || !form) return;
    var body = $("tbody", table), rows = $$("tr", body), count = $("#report-count");
    function apply() {
      var want = {};
      $$("select[data-filter]", form).forEach(function (s) { want[s.getAttribute("data-filter")] = s.value; });
      var text = ($("#report-text", form) || { value: "" }).value.toLowerCase().trim();
      var shown = 0;
      rows.forEach(function (r) {
        var ok = Object.keys(want).every(function (k) {
          if (!want[k]) return true;
          return (" " + (r.getAttribute("data-" + k) || "") + " ").indexOf(" " + want[k] + " ") >= 0;
        }) && (!text || r.textContent.toLowerCase().indexOf(text) >= 0);
        r.hidden = !ok;
        if (ok) shown++;
      });
      if (count) count.textContent = shown + " of " + rows.length + " checks";
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    $$("th[data-sort]", table).forEach(function (th, i) {
      var button = el("button", "sort", th.textContent);
      button.type = "button";
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var col = th.cellIndex, numeric = th.getAttribute("data-sort") === "number";
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        $$("th", table).forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-value") || a.cells[col].textContent;
          var y = b.cells[col].getAttribute("data-value") || b.cells[col].textContent;
          if (numeric) return dir * ((parseFloat(x) || 0) - (parseFloat(y) || 0));
          return dir * x.localeCompare(y);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    apply();
  }

  function start() {
    setupSearch();
    setupTips();
    setupLineage();
    setupReport();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
