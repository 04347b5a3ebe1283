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

  // ------------------------------------------------------------------ composer
  // The kind chooser shows its fields; the draft lives in localStorage until it is
  // published, so a failed submission (network, server, upload too large) loses nothing.
  function showKind(form) {
    var checked = form.querySelector("input[name=kind]:checked");
    var kind = checked ? checked.value : "post";
    form.querySelectorAll(".composer-extra").forEach(function (extra) {
      extra.hidden = extra.dataset.kind !== kind;
    });
  }

  function composerError(form, text) {
    var box = form.querySelector(".composer-error");
    if (box) { box.textContent = text; box.hidden = !text; }
  }

  // The files over the size limit, said before anything is uploaded ("" when none).
  function oversizedFiles(form) {
    var input = form.querySelector("input[type=file]");
    var max = parseInt(form.dataset.maxBytes, 10);
    var tooBig = Array.prototype.slice.call((input && input.files) || []).filter(function (file) { return file.size > max; });
    return tooBig.length ? form.dataset.tooLarge + " (" + tooBig.map(function (f) { return f.name; }).join(", ") + ")" : "";
  }

  function setupComposer(form) {
    if (!form || form.dataset.ready) { return; }
    form.dataset.ready = "1";
    showKind(form);
    var body = form.querySelector("textarea[name=body]");
    var key = form.dataset.draftKey;
    if (body && key) {
      try {
        if (!body.value && window.localStorage.getItem(key)) { body.value = window.localStorage.getItem(key); }
      } catch (e) { /* storage unavailable: the draft stays in the page */ }
      body.addEventListener("input", function () {
        try { window.localStorage.setItem(key, body.value); } catch (e) { /* ignore */ }
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "kind") { showKind(form); }
      if (event.target.type === "file") { composerError(form, oversizedFiles(form)); }
    });
    form.addEventListener("click", function (event) {
      if (event.target.closest("[data-add-option]")) {
        var inputs = form.querySelectorAll("input[name=poll_option]");
        if (inputs.length < 10) {
          var copy = inputs[inputs.length - 1].cloneNode();
          copy.value = "";
          copy.setAttribute("aria-label", copy.getAttribute("aria-label").replace(/\d+$/, String(inputs.length + 1)));
          inputs[inputs.length - 1].after(copy);
          copy.focus();
        }
      }
    });
  }

  function composers() {
    document.querySelectorAll("form.composer").forEach(setupComposer);
    document.body.addEventListener("htmx:afterSwap", function () {
      document.querySelectorAll("form.composer").forEach(setupComposer);
    });
    // Only the composer's own submission: the Preview button inside it also posts with htmx,
    // and a preview is not a publication (no upload bar, no clearing of the draft, no "Posting failed").
    function submittingComposer(event) {
      var elt = event.detail.elt || event.target;
      return elt && elt.matches && elt.matches("form.composer") ? elt : null;
    }
    // A file over the limit would be uploaded in full only to be refused: stop before sending.
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var form = submittingComposer(event);
      var problem = form && oversizedFiles(form);
      if (problem) {
        event.preventDefault();
        composerError(form, problem);
      }
    });
    document.body.addEventListener("htmx:xhr:progress", function (event) {
      var form = submittingComposer(event);
      var bar = form && form.querySelector(".upload-progress");
      if (bar && event.detail.lengthComputable) {
        bar.hidden = false;
        bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
      }
    });
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var form = submittingComposer(event);
      if (!form) { return; }
      var status = event.detail.xhr.status;
      if (status >= 400) {
        // Keep the form as it is (text, files): say what happened instead of swapping.
        event.detail.shouldSwap = false;
        var bar = form.querySelector(".upload-progress");
        if (bar) { bar.hidden = true; }
        composerError(form, status === 413 ? form.dataset.tooLarge : form.dataset.failed);
      } else if (status === 200 && !event.detail.xhr.responseText.includes("data-has-errors")) {
        try { window.localStorage.removeItem(form.dataset.draftKey); } catch (e) { /* ignore */ }
      }
    });
    document.body.addEventListener("htmx:sendError", function (event) {
      var form = submittingComposer(event);
      if (form) { composerError(form, form.dataset.failed); }
    });
  }

  // --------------------------------------------------------------- confirmation
  function confirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);
  }

  // ------------------------------------------------------------------ mentions
  // Typing @ and a few letters asks the server who may read what is being written;
  // choosing a person inserts their handle.
  function mentions() {
    var timer = null;
    // Letters of every script: "@Hélène" and "@Zoë" are searched too (the server folds accents).
    var WORD = /(^|[\s(,;])@([\p{L}\p{N}_.+-]{2,40})$/u;
    var PARTIAL = /@[\p{L}\p{N}_.+-]*$/u;
    function listFor(field) {
      var container = field.closest("form");
      return container ? container.querySelector(".mention-list") : null;
    }
    function wordAt(field) {
      var before = field.value.slice(0, field.selectionStart);
      var match = WORD.exec(before);
      return match ? match[2] : null;
    }
    function close(list) {
      if (list && !list.hidden) { list.hidden = true; }
    }
    document.addEventListener("input", function (event) {
      var field = event.target;
      if (!field.matches || !field.matches("[data-mentions]")) { return; }
      var list = listFor(field);
      if (!list) { return; }
      var word = wordAt(field);
      window.clearTimeout(timer);
      if (!word) { list.hidden = true; return; }
      timer = window.setTimeout(function () {
        var url = list.dataset.url + (list.dataset.url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(word);
        fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
          .then(function (response) { return response.ok ? response.text() : ""; })
          .then(function (html) {
            // An answer to letters typed before the last ones is stale.
            if (wordAt(field) !== word) { return; }
            // The form has one list for all its fields: show it under the field being typed in
            // (the praise recipients would otherwise get it far below, after the buttons).
            if (field.nextElementSibling !== list) { field.after(list); }
            list.innerHTML = html;
            list.hidden = !html.trim();
            list.dataset.field = field.id || field.name;
            list._field = field;
          });
      }, 150);
    });
    // Keyboard: ArrowDown from the field enters the list, arrows move in it, Escape closes it
    // and gives the focus back to the field (Enter and Space choose: the options are buttons).
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var list, options, index;
      if (target.matches && target.matches("[data-mentions]")) {
        list = listFor(target);
        if (!list || list.hidden || list._field !== target) { return; }
        if (event.key === "Escape") { close(list); event.preventDefault(); }
        if (event.key === "ArrowDown" && list.querySelector(".mention-option")) {
          list.querySelector(".mention-option").focus();
          event.preventDefault();
        }
        return;
      }
      if (!target.closest || !target.closest(".mention-option")) { return; }
      list = target.closest(".mention-list");
      options = Array.prototype.slice.call(list.querySelectorAll(".mention-option"));
      index = options.indexOf(target);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        index += event.key === "ArrowDown" ? 1 : -1;
        if (index >= 0 && index < options.length) {
          options[index].focus();
        } else if (index < 0 && list._field) {
          list._field.focus();
        }
        event.preventDefault();
      } else if (event.key === "Escape") {
        close(list);
        if (list._field) { list._field.focus(); }
        event.preventDefault();
      }
    });
    document.addEventListener("click", function (event) {
      var option = event.target.closest(".mention-option");
      if (!option) {
        // A click anywhere else closes the open lists.
        document.querySelectorAll(".mention-list:not([hidden])").forEach(function (list) {
          if (!list.contains(event.target) && event.target !== list._field) { close(list); }
        });
        return;
      }
      var list = option.closest(".mention-list");
      var field = list._field;
      if (!field) { return; }
      var cursor = field.selectionStart;
      var before = field.value.slice(0, cursor).replace(PARTIAL, "@" + option.dataset.handle + " ");
      field.value = before + field.value.slice(cursor);
      field.focus();
      field.selectionStart = field.selectionEnd = before.length;
      field.dispatchEvent(new Event("input", { bubbles: true }));
      list.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    live();
    orgChart();
    composers();
    confirmations();
    mentions();
  });
})();
