// The shell's top bar: the search box's suggestions (arrows, Enter, Escape) and, on phones,
// the search icon that opens the box over the bar, so that the bar stays one row.
(function () {
  "use strict";

  function options(list) { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }

  function topSearch() {
    var form = document.getElementById("top-search");
    if (!form) { return; }
    var input = document.getElementById("top-search-input");
    var list = document.getElementById("top-search-suggestions");
    function close() {
      list.innerHTML = "";
      input.setAttribute("aria-expanded", "false");
    }
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target === list) { input.setAttribute("aria-expanded", options(list).length ? "true" : "false"); }
    });
    input.addEventListener("keydown", function (event) {
      var items = options(list);
      if (event.key === "ArrowDown" && items.length) { event.preventDefault(); items[0].focus(); }
      if (event.key === "Escape") { close(); }
    });
    list.addEventListener("keydown", function (event) {
      var items = options(list);
      var index = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < items.length - 1) { event.preventDefault(); items[index + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? items[index - 1] : input).focus(); }
      if (event.key === "Escape") { close(); input.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) {
        close();
        form.classList.remove("is-open");
      }
    });
    var opener = document.querySelector("[data-search-open]");
    if (opener) {
      opener.addEventListener("click", function (event) {
        event.stopPropagation();
        form.classList.add("is-open");
        input.focus();
      });
      form.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { form.classList.remove("is-open"); opener.focus(); }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", topSearch);
})();
