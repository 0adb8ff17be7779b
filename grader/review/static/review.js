/* grader review page: KaTeX rendering of escaped answers, keyboard shortcuts.
   No build step; loaded after katex.min.js and htmx.min.js (all from /static). */
(function () {
  "use strict";
  var MAX_TEX = 4000; // longer answers are shown raw only

  function token() {
    var meta = document.querySelector('meta[name="review-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Render every .tex element from its text (an attribute the server escaped). A failure
  // (bad LaTeX, too long, KaTeX missing) leaves the raw text, marked as not rendered.
  function renderTex(root) {
    var nodes = (root || document).querySelectorAll(".tex");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (node.dataset.done) continue;
      node.dataset.done = "1";
      var text = node.getAttribute("data-tex") || "";
      try {
        if (!window.katex) throw new Error("KaTeX is not loaded");
        if (text.length > MAX_TEX) throw new Error("too long to render (" + text.length + " characters)");
        if (!text.trim()) throw new Error("empty answer");
        var target = document.createElement("span");
        window.katex.render(text, target, {
          displayMode: true, throwOnError: true, trust: false, strict: "ignore",
          maxSize: 20, maxExpand: 200, output: "htmlAndMathml"
        });
        node.textContent = "";
        node.appendChild(target);
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
