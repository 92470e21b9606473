// Rollcall dashboard: small conveniences on top of pages that work without
// JavaScript. Nothing here is needed to use the dashboard.
(function () {
  "use strict";

  // Ask before destructive POSTs (remove member, rotate key, approve plan).
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });

  // A section showing a run in progress reloads itself to follow it.
  document.querySelectorAll("[data-refresh]").forEach(function (el) {
    var secs = parseInt(el.getAttribute("data-refresh"), 10);
    if (secs > 0) window.setTimeout(function () { window.location.reload(); }, secs * 1000);
  });

  // Selects that choose what a page shows apply on change.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (f) {
    f.querySelectorAll(".js-hide").forEach(function (b) { b.hidden = true; });
    f.querySelectorAll("select").forEach(function (s) {
      s.addEventListener("change", function () { f.submit(); });
    });
  });

  // Copy buttons (the new license key).
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    var src = document.getElementById(b.getAttribute("data-copy"));
    if (!src || !navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(src.textContent.trim()).then(function () {
        b.textContent = "Copied";
      });
    });
  });

  // The search builder writes its condition into the filter box, in the
  // query language, instead of reloading the page.
  var builder = document.querySelector("form[data-builder]");
  var box = document.getElementById("q");
  if (builder && box) {
    var keywords = ["and", "or", "not", "is", "contains", "like", "before", "after",
      "name", "email", "domain", "role", "source", "org_unit", "orgunit", "ou", "added"];
    var quote = function (v) {
      if (/^[^\s"'\\()]+$/.test(v) && keywords.indexOf(v.toLowerCase()) < 0) return v;
      return '"' + v.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
    };
    builder.addEventListener("submit", function (e) {
      var value = builder.querySelector("#bv").value.trim();
      if (!value) return; // let the server explain
      e.preventDefault();
      var join = builder.querySelector("#bj").value;
      var cond = builder.querySelector("#bf").value + " " + builder.querySelector("#bo").value + " " + quote(value);
      var q = box.value.trim();
      if (q && join === "and" && / or /i.test(q)) q = "(" + q + ")";
      box.value = q ? q + " " + join + " " + cond : cond;
      builder.querySelector("#bv").value = "";
      box.focus();
      var status = document.getElementById("builder-status");
      if (!status) {
        status = document.createElement("p");
        status.id = "builder-status";
        status.className = "hint";
        status.setAttribute("role", "status");
        builder.parentNode.appendChild(status);
      }
      status.textContent = "Added to the filter: " + cond + ". Press Apply filter to run it.";
    });
  }
})();
