// One WebSocket per tab. Events arrive as JSON {type, ...} and are re-dispatched on
// document as "live:<type>" CustomEvents for the page's features to pick up. After a
// disconnect the socket reconnects with capped exponential backoff and dispatches
// "live:reconnected" so that features fetch what they missed.
(function () {
  "use strict";

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  }

  function live() {
    var path = document.body.dataset.liveUrl;
    if (!path || !window.WebSocket) { return; }
    var status = document.getElementById("live-status");
    var attempt = 0;
    var everConnected = false;
    var socket;

    function setStatus(text) { if (status) { status.textContent = text; } }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + path);
      socket.addEventListener("open", function () {
        attempt = 0;
        setStatus("");
        document.body.dataset.live = "connected";
        if (everConnected) { document.dispatchEvent(new CustomEvent("live:reconnected")); }
        everConnected = true;
      });
      socket.addEventListener("message", function (message) {
        var event;
        try { event = JSON.parse(message.data); } catch (error) { return; }
        if (event && typeof event.type === "string") {
          document.dispatchEvent(new CustomEvent("live:" + event.type, { detail: event }));
        }
      });
      socket.addEventListener("close", function (close) {
        document.body.dataset.live = "disconnected";
        if (close.code === 4401) { return; }  // signed out: do not retry
        var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
        attempt += 1;
        setStatus(document.documentElement.lang === "fr" ? "Reconnexion…" : "Reconnecting…");
        window.setTimeout(connect, delay);
      });
    }

    window.setInterval(function () {
      if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({ type: "ping" })); }
    }, 25000);
    connect();
  }

  // Org chart: the first click on a "N reports" button loads them (htmx); later clicks fold and unfold.
  function orgChart() {
    var current = document.querySelector(".org-node-current");
    if (current) { current.scrollIntoView({ block: "nearest", inline: "center" }); }
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-org-toggle]");
      if (!button) { return; }
      var children = button.nextElementSibling;
      if (button.dataset.loaded) { children.hidden = !children.hidden; }
      button.closest(".org-item").setAttribute("aria-expanded", children.hidden ? "false" : "true");
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var target = event.target;
      if (target.classList && target.classList.contains("org-children")) {
        var button = target.previousElementSibling;
        if (button) { button.dataset.loaded = "1"; }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    live();
    orgChart();
  });
})();
