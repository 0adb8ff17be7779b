/* grader review page: KaTeX rendering of escaped answers, keyboard shortcuts.
   No build step; loaded after katex.min.js and htmx.min.js (all from /static). */
(function () {
  "use strict";
  var MAX_TEX = 4000; // longer answers are shown raw only

  function token() {
    var meta = document.querySelector('meta[name="review-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  var KATEX_OPTIONS = {
    throwOnError: true, trust: false, strict: "ignore", maxSize: 20, maxExpand: 200, output: "htmlAndMathml"
  };

  function mathSpan(tex, display) {
    var span = document.createElement("span");
    window.katex.render(tex, span, Object.assign({ displayMode: display }, KATEX_OPTIONS));
    return span;
  }

  // Prose with math between $...$, $$...$$, \(...\) or \[...\]: text stays text (a text
  // node, never HTML), each math piece is rendered; a piece KaTeX refuses stays as typed.
  var DELIMITED = /(\$\$[\s\S]+?\$\$|\$[^$]+?\$|\\\([\s\S]+?\\\)|\\\[[\s\S]+?\\\])/g;

  function proseNodes(text) {
    var nodes = [];
    var failures = 0;
    var pieces = text.split(DELIMITED);
    for (var i = 0; i < pieces.length; i++) {
      var piece = pieces[i];
      if (!piece) continue;
      if (i % 2 === 0) { nodes.push(document.createTextNode(piece)); continue; }
      var display = piece.slice(0, 2) === "$$" || piece.slice(0, 2) === "\\[";
      var inner = piece.slice(0, 2) === "$$" || piece.charAt(0) === "\\" ? piece.slice(2, -2) : piece.slice(1, -1);
      try { nodes.push(mathSpan(inner, display)); }
      catch (error) { failures++; nodes.push(document.createTextNode(piece)); }
    }
    return { nodes: nodes, failures: failures, math: (pieces.length - 1) / 2 };
  }

  // Render every .tex element from its text (an attribute the server escaped). Math parts
  // (data-mode="math") are one formula; prose parts (data-mode="prose") are text with
  // delimited math. A failure (bad LaTeX, too long, KaTeX missing) leaves the raw text,
  // marked as not rendered.
  function renderTex(root) {
    var nodes = (root || document).querySelectorAll(".tex");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (node.dataset.done) continue;
      node.dataset.done = "1";
      var text = node.getAttribute("data-tex") || "";
      // Delimited math anywhere: text with formulas. Otherwise a math part, or prose that
      // uses LaTeX commands, is one formula; plain prose stays plain text.
      var delimited = /\$|\\\(|\\\[/.test(text);
      var formula = !delimited && (node.getAttribute("data-mode") !== "prose" || /\\[A-Za-z]+/.test(text));
      try {
        if (!window.katex) throw new Error("KaTeX is not loaded");
        if (text.length > MAX_TEX) throw new Error("too long to render (" + text.length + " characters)");
        if (!text.trim()) throw new Error("empty answer");
        var parts;
        if (formula) {
          parts = [mathSpan(text, true)];
        } else {
          var result = proseNodes(text);
          if (result.failures) throw new Error(result.failures + " formula(s) could not be rendered");
          parts = result.nodes;
        }
        node.textContent = "";
        for (var j = 0; j < parts.length; j++) node.appendChild(parts[j]);
        node.classList.add("rendered-ok");
      } catch (error) {
        node.textContent = text; // textContent: never parsed as HTML
        node.classList.add("render-failed");
        node.title = "not rendered: " + (error && error.message ? error.message : String(error));
      }
    }
  }

  function typing(event) {
    var el = event.target;
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function go(id) {
    var link = document.getElementById(id);
    if (link) window.location.href = link.getAttribute("href");
  }

  function submitForm(form) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var key = event.key;
    var queue = document.getElementById("queue");
    if (queue && (key === "j" || key === "k")) {
      moveInQueue(queue, key === "j" ? 1 : -1);
      event.preventDefault();
      return;
    }
    if (queue && key === "Enter") {
      var current = queue.querySelector("tr.selected");
      if (current) window.location.href = current.getAttribute("data-href");
      return;
    }
    if (key === "j") { go("next"); event.preventDefault(); }
    else if (key === "k") { go("prev"); event.preventDefault(); }
    else if (key === "q") { go("to-queue"); event.preventDefault(); }
    else if (key === "u") { submitForm(document.getElementById("undo")); event.preventDefault(); }
    else if (key === "c") {
      var comment = document.getElementById("comment");
      if (comment) { comment.focus(); event.preventDefault(); }
    } else if (/^[1-9]$/.test(key)) {
      var button = document.querySelector('#decide button.score[data-key="' + key + '"]');
      // A real click, so htmx sends the button's value (it tracks the clicked button).
      if (button) { button.click(); event.preventDefault(); }
    }
  });

  function moveInQueue(queue, step) {
    var rows = queue.querySelectorAll("tr.group-row");
    if (!rows.length) return;
    var index = -1;
    for (var i = 0; i < rows.length; i++) if (rows[i].classList.contains("selected")) index = i;
    if (index >= 0) rows[index].classList.remove("selected");
    index = Math.max(0, Math.min(rows.length - 1, index + step));
    rows[index].classList.add("selected");
    rows[index].scrollIntoView({ block: "nearest" });
  }

  // Every htmx request carries the token header (the forms carry it as a field too).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-Review-Token"] = token();
  });
  document.addEventListener("htmx:afterSwap", function (event) { renderTex(event.target); });
  document.addEventListener("htmx:responseError", function (event) {
    var saved = document.getElementById("saved");
    if (saved) {
      saved.textContent = "NOT saved: " + (event.detail.xhr.responseText || event.detail.xhr.status);
      saved.classList.add("error");
    }
  });
  document.addEventListener("DOMContentLoaded", function () { renderTex(document); });
})();
