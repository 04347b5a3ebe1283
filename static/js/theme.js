// Light or dark, as the system says (prefers-color-scheme), before the page paints: Bootstrap
// 5.3 themes with data-bs-theme on <html>. Loaded without defer, so there is no light flash.
(function () {
  "use strict";
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query.matches ? "dark" : "light");
  }
  apply();
  if (query.addEventListener) query.addEventListener("change", apply);
})();
