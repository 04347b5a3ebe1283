// One WebSocket per tab. Events arrive as JSON {type, ...} and are re-dispatched on
// document as "live:<type>" CustomEvents for the page's features to pick up. After a
// disconnect the socket reconnects with capped exponential backoff and dispatches
// "live:reconnected" ({missed: how many milliseconds it was not listening}) so that features
// fetch what they missed. The live process may say that its channel layer (Redis) is lost
// ("layer.lost": events are being dropped; the socket stays open) and then close the socket
// with 4000 once it is back: the page reconnects at once and catches up the same way.
(function () {
  "use strict";

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  }

  function live() {
    // /ws/ on this origin, or the live process's own ws:// address (LIVE_URL).
    var url = document.body.dataset.liveUrl;
    if (!url || !window.WebSocket) { return; }
    if (url.charAt(0) === "/") {
      url = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + url;
    }
    var status = document.getElementById("live-status");
    var attempt = 0;
    var everConnected = false;
    // When the page last heard from the server (the wall clock, which goes on while a laptop
    // sleeps, unlike performance.now() in some browsers; only durations are sent). The server
    // answers a ping every 25 s, so this is never older than that while the socket lives; a
    // socket's close event may come minutes after the connection died (a sleep, a dropped
    // network), so the time away is counted from here, not from that event.
    var lastHeard = Date.now();
    var SILENT_MS = 70000;  // no answer to two pings: the connection is dead, open another
    var RESYNC = 4000;  // the live process's layer is back: reconnect now (and catch up)
    // Since when events may have been dropped while the socket stayed open (its layer was
    // lost; the server says since when): null while the socket hears everything.
    var deafSince = null;
    var socket;

    function setStatus(text) { if (status) { status.textContent = text; } }
    function reconnecting() {
      setStatus(document.documentElement.lang === "fr" ? "Reconnexion…" : "Reconnecting…");
    }

    // The greeting: the socket has joined its groups. "connected" means that events reach
    // this page; what it missed meanwhile is fetched.
    function greeted() {
      if (deafSince !== null) { return; }  // greeted by a server whose layer is lost: not yet
      setStatus("");
      document.body.dataset.live = "connected";
      if (everConnected && missedSince !== null) {
        var missed = Math.max(0, Date.now() - missedSince);
        document.dispatchEvent(new CustomEvent("live:reconnected", { detail: { missed: missed } }));
      }
      missedSince = null;
      everConnected = true;
    }
    // While the page is not hearing everything: since when (the last word heard before its
    // socket was lost, or the moment the server's layer was lost); null while it is.
    var missedSince = null;

    function connect() {
      var own = new WebSocket(url);
      socket = own;
      own.addEventListener("open", function () {
        if (own !== socket) { return; }
        // The communities this page shows (one not joined is followed only while it is open).
        document.querySelectorAll("[data-live-follow]").forEach(function (element) {
          if (element.dataset.liveFollow === "open") {  // the company feed: every public community
            socket.send(JSON.stringify({ type: "follow", open: true }));
            return;
          }
          var community = parseInt(element.dataset.liveFollow, 10);
          if (community) { socket.send(JSON.stringify({ type: "follow", community: community })); }
        });
        lastHeard = Date.now();
      });
      own.addEventListener("message", function (message) {
        if (own !== socket) { return; }
        lastHeard = Date.now();
        var event;
        try { event = JSON.parse(message.data); } catch (error) { return; }
        if (!event || typeof event.type !== "string") { return; }
        if (event.type === "layer.lost") {
          // Open but deaf: the page says so, and counts what it misses from the server's moment.
          var since = Date.now() - Math.max(0, Number(event.since) || 0);
          deafSince = deafSince === null ? since : Math.min(deafSince, since);
          missedSince = missedSince === null ? deafSince : Math.min(missedSince, deafSince);
          document.body.dataset.live = "lost";
          reconnecting();
        }
        document.dispatchEvent(new CustomEvent("live:" + event.type, { detail: event }));
        if (event.type === "hello") {
          attempt = 0;  // greeted: the server works (a socket closed before is retried later and later)
          greeted();
        }
      });
      own.addEventListener("close", function (close) {
        if (own !== socket) { return; }  // one given up already (silent), replaced since
        lost(close.code);
      });
    }

    function lost(code) {
      document.body.dataset.live = "disconnected";
      // What is missed counts from the last word heard, or from when the socket went deaf
      // (kept through failed attempts: a socket opened and closed unheard is no catching up).
      if (missedSince === null) { missedSince = lastHeard; }
      deafSince = null;
      if (code === 4401) { return; }  // signed out: do not retry
      var delay;
      if (code === RESYNC) {
        // Every page of the process hears it at the same moment: spread over two seconds.
        delay = 200 + Math.random() * 1800;
        attempt = 0;
      } else {
        delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
        attempt += 1;
      }
      reconnecting();
      window.setTimeout(connect, delay);
    }

    window.setInterval(function () {
      if (!socket || socket.readyState !== WebSocket.OPEN) { return; }
      if (Date.now() - lastHeard > SILENT_MS) {
        // Silent for two pings (a sleep, a dropped network): its close event may take minutes.
        var dead = socket;
        socket = null;
        dead.close();
        lost(1006);
        return;
      }
      socket.send(JSON.stringify({ type: "ping" }));
    }, 25000);
    // For the page's features that speak too (the typing indicator): dropped while disconnected.
    window.liveSend = function (message) {
      if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
    };
    connect();
  }

  // ------------------------------------------------------------------ composer
  // The kind chooser shows its fields; the draft lives in localStorage until it is
  // published, so a failed submission (network, server, upload too large) loses nothing.
  // Files are chosen with the (visually hidden) file input or dropped on its label; the
  // list under it shows each one (a thumbnail for images), with a remove button. The input
  // stays the one sent: the server receives the same multipart form as before.
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

  function chosenFiles(form) {
    var input = form.querySelector("input[type=file]");
    return Array.prototype.slice.call((input && input.files) || []);
  }

  // The files over the size limit, said before anything is uploaded ("" when none).
  function oversizedFiles(form) {
    var max = parseInt(form.dataset.maxBytes, 10);
    var files = chosenFiles(form);
    var tooBig = files.filter(function (file) { return file.size > max; });
    if (tooBig.length) {
      return form.dataset.tooLarge + " (" + tooBig.map(function (f) { return f.name; }).join(", ") + ")";
    }
    var count = parseInt(form.dataset.maxCount, 10);
    return count && files.length > count ? form.dataset.tooMany || "" : "";
  }

  function fileSize(bytes) {
    if (bytes < 1024) { return bytes + " B"; }
    if (bytes < 1024 * 1024) { return Math.round(bytes / 1024) + " KB"; }
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  // Replaces the input's files (a dropped file added, a chosen one removed).
  function setFiles(form, files) {
    var input = form.querySelector("input[type=file]");
    if (!input || typeof DataTransfer === "undefined") { return false; }
    var transfer = new DataTransfer();
    files.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function listFiles(form) {
    var list = form.querySelector(".composer-files");
    var template = form.querySelector(".composer-file-template");
    if (!list || !template) { return; }
    list.textContent = "";
    chosenFiles(form).forEach(function (file, index) {
      var item = template.content.firstElementChild.cloneNode(true);
      item.querySelector(".composer-file-name").textContent = file.name;
      item.querySelector(".composer-file-size").textContent = fileSize(file.size);
      var remove = item.querySelector(".composer-file-remove");
      remove.dataset.index = String(index);
      remove.querySelector(".visually-hidden").textContent = (form.dataset.removeLabel || "%(name)s").replace("%(name)s", file.name);
      // A thumbnail read in the browser (a data: URL: the pages' CSP allows no blob: images).
      if (/^image\/(png|jpeg|gif|webp)$/.test(file.type) && file.size < 15 * 1024 * 1024 && window.FileReader) {
        var reader = new FileReader();
        reader.onload = function () {
          var image = document.createElement("img");
          image.src = reader.result;
          image.alt = "";
          var thumb = item.querySelector(".composer-file-thumb");
          thumb.textContent = "";
          thumb.appendChild(image);
        };
        reader.readAsDataURL(file);
      }
      list.appendChild(item);
    });
  }

  function showProgress(form, loaded, total) {
    var percent = total ? Math.round((loaded / total) * 100) : 0;
    var bar = form.querySelector(".upload-progress");
    if (bar) {
      bar.hidden = false;
      bar.setAttribute("aria-valuenow", String(percent));
      var inner = bar.querySelector(".progress-bar");
      if (inner) { inner.style.width = percent + "%"; }
    }
    // Each file's share: the form is sent in order, so a file is done once the bytes before it
    // and its own are (the text fields are small next to the files).
    var files = chosenFiles(form);
    var sizes = files.reduce(function (sum, file) { return sum + file.size; }, 0);
    var before = Math.max(0, total - sizes);
    form.querySelectorAll(".composer-file").forEach(function (item, index) {
      var file = files[index];
      var progress = item.querySelector(".composer-file-progress");
      if (!file || !progress) { return; }
      var done = file.size ? Math.min(100, Math.max(0, Math.round(((loaded - before) / file.size) * 100))) : 100;
      before += file.size;
      progress.hidden = false;
      progress.setAttribute("aria-valuenow", String(done));
      progress.querySelector(".progress-bar").style.width = done + "%";
    });
  }

  function hideProgress(form) {
    var bar = form.querySelector(".upload-progress");
    if (bar) { bar.hidden = true; }
    form.querySelectorAll(".composer-file-progress").forEach(function (progress) { progress.hidden = true; });
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
      if (event.target.type === "file") {
        composerError(form, oversizedFiles(form));
        listFiles(form);
      }
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
      var remove = event.target.closest(".composer-file-remove");
      if (remove) {
        var index = parseInt(remove.dataset.index, 10);
        var rest = chosenFiles(form).filter(function (file, i) { return i !== index; });
        if (setFiles(form, rest)) {
          var next = form.querySelectorAll(".composer-file-remove")[Math.min(index, rest.length - 1)];
          (next || form.querySelector("[data-drop-zone]") || body).focus();
        }
      }
    });
    var zone = form.querySelector("[data-drop-zone]");
    if (zone) {
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          if (!event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, "Files") < 0) { return; }
          event.preventDefault();
          zone.classList.add("is-dragover");
        });
      });
      ["dragleave", "dragend"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("is-dragover"); });
      });
      zone.addEventListener("drop", function (event) {
        zone.classList.remove("is-dragover");
        if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
        event.preventDefault();
        setFiles(form, chosenFiles(form).concat(Array.prototype.slice.call(event.dataTransfer.files)));
      });
    }
    listFiles(form);
  }

  // The top bar's Create → Post leads to /#composer: the text box takes the focus.
  // What loads after the page (the welcome steps, the rail, the live connection) can settle
  // after this and leave nothing focused (seen under load in CI): the box takes the focus
  // again when the page has loaded and as those parts settle, unless the person has put it
  // somewhere else meanwhile.
  function focusComposer() {
    if (window.location.hash !== "#composer") { return; }
    var body = document.querySelector("#composer textarea[name=body]");
    if (!body) { return; }
    body.focus();
    var settled = 0;
    function again() {
      var active = document.activeElement;
      if (!active || active === document.body) { body.focus(); }
      settled += 1;
      if (settled > 5) { document.body.removeEventListener("htmx:afterSettle", again); }
    }
    window.addEventListener("load", again, { once: true });
    document.body.addEventListener("htmx:afterSettle", again);
  }

  function composers() {
    document.querySelectorAll("form.composer").forEach(setupComposer);
    focusComposer();
    window.addEventListener("hashchange", focusComposer);
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
      if (form && event.detail.lengthComputable) { showProgress(form, event.detail.loaded, event.detail.total); }
    });
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var form = submittingComposer(event);
      if (!form) { return; }
      var status = event.detail.xhr.status;
      if (status >= 400) {
        // Keep the form as it is (text, files): say what happened instead of swapping.
        event.detail.shouldSwap = false;
        hideProgress(form);
        composerError(form, status === 413 ? form.dataset.tooLarge : form.dataset.failed);
      } else if (status === 200 && !event.detail.xhr.responseText.includes("data-has-errors")) {
        try { window.localStorage.removeItem(form.dataset.draftKey); } catch (e) { /* ignore */ }
      }
    });
    document.body.addEventListener("htmx:sendError", function (event) {
      var form = submittingComposer(event);
      if (form) {
        hideProgress(form);
        composerError(form, form.dataset.failed);
      }
    });
  }

  // ----------------------------------------------------------------- reactions
  // Choosing a reaction redraws the reactions (their picker closes): the focus goes back to
  // the React button rather than to the top of the page.
  function reactions() {
    var redrawn = null;
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var elt = event.detail.elt;
      var box = elt && elt.closest && elt.matches(".reaction-picker") ? elt.closest(".reactions") : null;
      redrawn = box && box.contains(document.activeElement) ? box.id : null;
    });
    document.body.addEventListener("htmx:afterSettle", function () {
      if (!redrawn) { return; }
      var box = document.getElementById(redrawn);
      redrawn = null;
      var toggle = box && box.querySelector(".reaction-toggle");
      if (toggle) { toggle.focus(); }
    });
  }

  // ------------------------------------------------------------- failed requests
  // An htmx request that fails (a 503 while the database or a server is unavailable, a
  // 500, no answer at all) would otherwise change nothing on the page, silently. Its
  // message, the server's own when it sent one, goes next to what was clicked. The composer
  // says it its own way and keeps its text.
  function failedRequests() {
    function say(event, text) {
      var elt = event.detail.elt || event.target;
      // The shell's parts loaded in the background (the rail, my communities, suggestions)
      // fail quietly: nobody asked for them, and a note there would land in the layout.
      if (!elt || !elt.closest || elt.closest("form.composer") || elt.closest("[data-quiet-failure]")) { return; }
      var anchor = elt.closest("form") || elt;
      var note = anchor.nextElementSibling;
      if (!note || !note.classList.contains("request-failed")) {
        note = document.createElement("p");
        note.className = "errorlist request-failed";
        note.setAttribute("role", "alert");
        anchor.insertAdjacentElement("afterend", note);
      }
      note.textContent = text || document.body.dataset.requestFailed || "";
    }
    document.body.addEventListener("htmx:responseError", function (event) {
      var xhr = event.detail.xhr;
      if (!xhr || xhr.status < 500) { return; }
      var found = new DOMParser().parseFromString(xhr.responseText || "", "text/html").querySelector("[data-unavailable]");
      say(event, found ? found.textContent.trim() : "");
    });
    document.body.addEventListener("htmx:sendError", function (event) { say(event, ""); });
    // A later success clears the note.
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var elt = event.detail.elt;
      if (!event.detail.successful || !elt || !elt.closest) { return; }
      var anchor = elt.closest("form") || elt;
      var note = anchor.nextElementSibling;
      if (note && note.classList.contains("request-failed")) { note.remove(); }
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

  // ------------------------------------------------------------- live features
  // The bell: its count comes with the socket's greeting (at every reconnection) and with
  // each notification; the title shows it too.
  function bell() {
    var badge = document.getElementById("notification-count");
    var title = document.title.replace(/^\(\d+\) /, "");
    function show(count) {
      if (!badge || typeof count !== "number") { return; }
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
      badge.closest(".bell").dataset.unread = String(count);
      document.title = count ? "(" + count + ") " + title : title;
    }
    ["live:hello", "live:notification.read"].forEach(function (name) {
      document.addEventListener(name, function (event) { show(event.detail.unread); });
    });
    document.addEventListener("live:notification.new", function (event) {
      var known = badge && badge.closest(".bell").dataset.unread;
      if (known) { show(parseInt(known, 10) + (event.detail.added || 0)); }
    });
    document.addEventListener("live:notification.new", function (event) { browserNotify(event.detail); });
    // Without a socket (blocked by a proxy, Redis down), the count is asked for once.
    window.setTimeout(function () {
      if (badge && !badge.closest(".bell").dataset.unread) {
        getJSON(badge.closest(".bell").dataset.countUrl).then(function (answer) { if (answer) { show(answer.unread); } });
      }
    }, 3000);
  }

  // Browser notifications (opt-in, per browser): only when this tab is in the background.
  var BROWSER_KEY = "browserNotifications";
  function browserNotificationsOn() {
    try {
      return window.Notification && Notification.permission === "granted" && window.localStorage.getItem(BROWSER_KEY) === "1";
    } catch (e) { return false; }
  }
  function browserNotify(detail) {
    if (!document.hidden || !browserNotificationsOn() || !detail.text) { return; }
    // The tag makes the other open tabs' copies of the same notification replace, not repeat, it.
    var shown = new Notification(detail.text, { tag: "notification-" + detail.id });
    shown.onclick = function () { window.focus(); if (detail.url) { window.location.href = detail.url; } };
  }
  function browserNotificationSettings() {
    var box = document.querySelector("[data-browser-notifications]");
    if (!box || !window.Notification) { return; }
    box.hidden = false;
    var button = box.querySelector("[data-enable-browser-notifications]");
    var on = box.querySelector("[data-browser-notifications-on]");
    function refresh() { button.hidden = browserNotificationsOn(); on.hidden = !browserNotificationsOn(); }
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        try { window.localStorage.setItem(BROWSER_KEY, permission === "granted" ? "1" : "0"); } catch (e) { /* ignore */ }
        refresh();
      });
    });
    refresh();
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; });
  }
  function getHTML(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : (response.status === 404 ? null : undefined); });
  }

  // "N new posts": a post.created event that may belong to the feed on screen asks the server
  // how many posts are newer than the newest shown (the server decides what this person may
  // read); a click puts them on top, the reader's place kept. After a reconnection the same
  // question catches up with what was missed.
  function newPosts() {
    var feed = document.querySelector("[data-live-feed]");
    if (!feed) { return; }
    var banner = document.getElementById("new-posts");
    var items = document.getElementById("feed-items");
    var kind = feed.dataset.liveFeed;
    var subject = feed.dataset.liveSubject;
    var timer = null;
    var tooMany = false;
    function newestId() {
      var newest = 0;
      // Pinned posts too: the newest post may be shown pinned above the others.
      feed.querySelectorAll("article[data-post]").forEach(function (card) {
        newest = Math.max(newest, parseInt(card.dataset.post, 10) || 0);
      });
      return newest;
    }
    function url(extra) {
      return feed.dataset.newerUrl + "?feed=" + encodeURIComponent(kind) + "&subject=" + encodeURIComponent(subject || "") +
        "&since=" + newestId() + extra;
    }
    function check() {
      getJSON(url("&count=1")).then(function (answer) {
        if (!answer) { return; }
        var count = answer.count;
        tooMany = answer.more;
        banner.hidden = count === 0;
        var label = count === 1 ? banner.dataset.one : banner.dataset.many.replace("__COUNT__", answer.more ? "50+" : String(count));
        banner.textContent = label;
      });
    }
    // Spread over a second: the readers of a busy community do not all ask at the same moment.
    function soon(delay) { window.clearTimeout(timer); timer = window.setTimeout(check, (delay || 250) + Math.random() * 750); }
    // The home feed's sources (my communities, the people I follow), asked for once: events
    // from elsewhere do not send every open home page to the server.
    var sources = null;
    if (feed.dataset.sourcesUrl) {
      getJSON(feed.dataset.sourcesUrl).then(function (answer) {
        if (answer) { sources = { communities: answer.communities.map(String), people: answer.people.map(String) }; }
      });
    }
    function concerns(event) {
      if (kind === "community") { return String(event.community) === subject; }
      if (kind === "profile") { return String(event.author) === subject; }
      if (kind === "home" && sources && event.community !== null) {
        // A followed hashtag's post from elsewhere is counted at the next check.
        return sources.communities.indexOf(String(event.community)) >= 0 ||
          sources.people.indexOf(String(event.author)) >= 0 || String(event.author) === document.body.dataset.me;
      }
      return true;
    }
    document.addEventListener("live:post.created", function (event) {
      if (!concerns(event.detail)) { return; }
      // One's own post is put on the page by the composer's answer, which may arrive after
      // the event: ask later, when it is there (a post from another tab still shows).
      soon(String(event.detail.author) === document.body.dataset.me ? 1500 : 250);
    });
    document.addEventListener("live:reconnected", function () { soon(); });
    // Just (re)admitted to this community's updates: what was posted meanwhile is asked for.
    document.addEventListener("live:subscription.changed", function (event) { if (event.detail.following) { soon(); } });
    banner.addEventListener("click", function () {
      // More than a page of them: the page itself, afresh, rather than a gap in the feed.
      if (tooMany) { window.location.reload(); return; }
      getHTML(url("")).then(function (html) {
        if (!html) { return; }
        var first = items.firstElementChild;
        var before = first ? first.getBoundingClientRect().top : 0;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var added = Array.prototype.slice.call(holder.children).filter(function (node) {
          return !(node.id && document.getElementById(node.id));
        });
        added.forEach(function (node) { items.insertBefore(node, first); });
        // What the reader was looking at stays where it was; the new posts are above it.
        if (first) { window.scrollBy(0, first.getBoundingClientRect().top - before); }
        banner.hidden = true;
        var empty = document.getElementById("feed-empty");
        if (empty && added.length) { empty.hidden = true; }
        if (added.length && window.htmx) { added.forEach(function (node) { window.htmx.process(node); }); }
        if (added.length) { added[0].scrollIntoView({ behavior: "smooth", block: "start" }); }
      });
    });
  }

  // A card drawn afresh takes the place of the one on the page. The comments open under it
  // stay as they are (with what is being typed); on a post's own page (its card expanded,
  // comments shown) the comment count stays a plain link.
  function replaceCard(current, fresh) {
    var count = current.querySelector("#comment-count-" + current.dataset.post);
    if (count && !count.hasAttribute("hx-get")) {
      var freshCount = fresh.querySelector("#comment-count-" + current.dataset.post);
      if (freshCount) { ["hx-get", "hx-target", "hx-swap"].forEach(function (name) { freshCount.removeAttribute(name); }); }
    }
    var comments = current.querySelector(".comments");
    var freshComments = fresh.querySelector(".comments");
    if (comments && freshComments) { freshComments.replaceWith(comments); }
    current.replaceWith(fresh);
    if (window.htmx) { window.htmx.process(fresh); }
  }

  // Counts, edits and deletions of the posts on screen: their card is asked for again
  // (as this viewer may see it now); a post gone or no longer readable leaves the page.
  function liveCards() {
    var pending = {};
    function refresh(postId, whole) {
      var card = document.getElementById("post-" + postId);
      if (!card) { return; }
      var wanted = pending[postId] || { whole: false };
      wanted.whole = wanted.whole || whole;
      if (pending[postId]) { return; }
      pending[postId] = wanted;
      // Spread over half a second: a thousand readers of one post do not ask all at once.
      window.setTimeout(function () {
        delete pending[postId];
        getHTML("/posts/" + postId + "/card/").then(function (html) {
          var current = document.getElementById("post-" + postId);
          if (!current || html === undefined) { return; }
          if (html === null) { current.remove(); return; }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("article");
          if (!fresh) { return; }
          if (wanted.whole) { replaceCard(current, fresh); return; }
          ["#reactions-p" + postId, "#comment-count-" + postId].forEach(function (selector) {
            var old = current.querySelector(selector);
            var replacement = fresh.querySelector(selector);
            if (old && replacement && old.innerHTML !== replacement.innerHTML) {
              old.innerHTML = replacement.innerHTML;
              if (window.htmx) { window.htmx.process(old); }
            }
          });
        });
      }, 100 + Math.random() * 400);
    }
    ["comment.created", "comment.deleted", "reaction.changed"].forEach(function (name) {
      document.addEventListener("live:" + name, function (event) { if (!event.detail.comment || name !== "reaction.changed") { refresh(event.detail.post, false); } });
    });
    ["post.updated", "poll.changed"].forEach(function (name) {
      document.addEventListener("live:" + name, function (event) { refresh(event.detail.post, true); });
    });
    document.addEventListener("live:post.deleted", function (event) {
      var card = document.getElementById("post-" + event.detail.post);
      if (card) { card.remove(); }
    });
    // A comment edited or deleted: the page shows it as it is now.
    document.addEventListener("live:comment.updated", function (event) { catchUp(0, [], [event.detail.comment]); });
    document.addEventListener("live:comment.deleted", function (event) { removeComment(event.detail.comment); });
    // After a reconnection: what changed meanwhile among the posts and comments on the page
    // (edits, deletions, counts, polls), in one request, as this viewer may see them now.
    document.addEventListener("live:reconnected", function (event) {
      var posts = Array.prototype.map.call(document.querySelectorAll("article[data-post]"), function (card) { return card.dataset.post; });
      var comments = Array.prototype.map.call(document.querySelectorAll("article.comment[id^='comment-']"), function (comment) {
        return comment.id.slice("comment-".length);
      });
      if (posts.length || comments.length) { catchUp((event.detail && event.detail.missed) || 0, posts, comments); }
    });
  }

  function removeComment(commentId) {
    var comment = document.getElementById("comment-" + commentId);
    // Its list item: a first comment's thread goes with it.
    var item = comment && comment.closest("li");
    if (item) { item.remove(); } else if (comment) { comment.remove(); }
  }

  // `missed`: milliseconds the page was not listening. At most the first 200 posts and 500
  // comments of the page are looked at (the newest, in a feed).
  function catchUp(missed, posts, comments) {
    var url = "/feed/changes/?missed=" + Math.max(0, Math.round(missed)) +
      "&posts=" + posts.slice(0, 200).join(",") + "&comments=" + comments.slice(0, 500).join(",");
    getJSON(url).then(function (answer) {
      if (!answer) { return; }
      Object.keys(answer.posts).forEach(function (postId) {
        var current = document.getElementById("post-" + postId);
        if (!current) { return; }
        if (answer.posts[postId] === null) { current.remove(); return; }
        var holder = document.createElement("div");
        holder.innerHTML = answer.posts[postId];
        var fresh = holder.querySelector("article");
        if (fresh) { replaceCard(current, fresh); }
      });
      Object.keys(answer.comments).forEach(function (commentId) {
        var current = document.getElementById("comment-" + commentId);
        if (!current) { return; }
        if (answer.comments[commentId] === null) { removeComment(commentId); return; }
        var holder = document.createElement("div");
        holder.innerHTML = answer.comments[commentId];
        var fresh = holder.querySelector("article");
        if (!fresh) { return; }
        current.replaceWith(fresh);
        if (window.htmx) { window.htmx.process(fresh); }
      });
    });
  }

  // The Messages link's count: unread messages of conversations that are not muted.
  function messagesBadge() {
    var badge = document.getElementById("messages-count");
    if (!badge) { return; }
    function show(count) {
      if (typeof count !== "number") { return; }
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = count === 0;
      badge.dataset.unread = String(count);
    }
    document.addEventListener("live:hello", function (event) { show(event.detail.messages_unread); });
    document.addEventListener("live:message.new", function (event) { show(event.detail.unread); });
    document.addEventListener("live:conversation.read", function (event) { show(event.detail.unread); });
    document.addEventListener("messages:unread", function (event) { show(event.detail.unread); });
    // Leaving, being removed, a deleted message: the count is asked again.
    var recount = null;
    ["live:conversation.changed", "live:message.updated"].forEach(function (name) {
      document.addEventListener(name, function () {
        window.clearTimeout(recount);
        recount = window.setTimeout(function () {
          getJSON(badge.closest("a").dataset.countUrl).then(function (answer) { if (answer) { show(answer.unread); } });
        }, 500);
      });
    });
    window.setTimeout(function () {
      if (!badge.dataset.unread) {
        getJSON(badge.closest("a").dataset.countUrl).then(function (answer) { if (answer) { show(answer.unread); } });
      }
    }, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    bell();
    messagesBadge();
    browserNotificationSettings();
    newPosts();
    liveCards();
    live();
    composers();
    reactions();
    confirmations();
    failedRequests();
    mentions();
  });
})();
