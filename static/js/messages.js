// Direct messages: the conversation list follows what arrives; the open conversation shows
// new, edited and deleted messages live, who is typing and who has seen what. A message is
// sent with an id made here: sending it again after a failure never makes two. Whatever is
// inserted (live, or an older page above) gets the same layout as the page the server drew:
// a separator where a day starts, one sender's messages in a row grouped under one name.
(function () {
  "use strict";

  var me = document.body.dataset.me;
  var page = document.getElementById("dm-conversation");
  var conversationId = page ? parseInt(page.dataset.conversation, 10) : 0;
  var items = document.getElementById("dm-messages");
  var composer = document.getElementById("dm-composer");

  function fetchHTML(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      // Redirected: the session ended and this is the sign-in page, not the fragment asked for.
      .then(function (response) { return response.ok && !response.redirected ? response.text() : null; });
  }
  function fragment(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content;
  }
  function processed(node) {
    if (window.htmx) { window.htmx.process(node); }
    return node;
  }

  // ------------------------------------------------------------------ the list
  var listTimer = null;
  function refreshList() {
    window.clearTimeout(listTimer);
    listTimer = window.setTimeout(function () {
      var list = document.getElementById("dm-list");
      if (!list) { return; }
      fetchHTML(list.dataset.url).then(function (html) {
        if (html) { list.replaceWith(fragment(html)); }
      });
    }, 200);
  }
  ["live:message.new", "live:conversation.changed", "live:reconnected"].forEach(function (name) {
    document.addEventListener(name, refreshList);
  });
  document.addEventListener("live:conversation.read", function (event) {
    if (String(event.detail.user) === me) { refreshList(); }
  });

  if (!page) { return; }

  // ---------------------------------------------------------- the conversation
  function mine(root) {
    root.querySelectorAll(".dm[data-sender='" + me + "']").forEach(function (node) { node.classList.add("mine"); });
  }
  function lastId() {
    var last = 0;
    items.querySelectorAll("[data-message]").forEach(function (node) {
      last = Math.max(last, parseInt(node.dataset.message, 10) || 0);
    });
    return last;
  }
  function atBottom() { return items.scrollHeight - items.scrollTop - items.clientHeight < 80; }
  function toBottom() { items.scrollTop = items.scrollHeight; }
  // An image that loads late (no size known before) keeps the latest in view if they were.
  var pinned = true;
  items.addEventListener("scroll", function () { pinned = atBottom(); });
  items.addEventListener("load", function (event) {
    if (event.target.tagName === "IMG" && pinned) { toBottom(); }
  }, true);
  // Scrolls the conversation, never the page, to show `node` (at the top, or centred).
  function scrollTo(node, centre) {
    items.scrollTop = node.offsetTop - (centre ? (items.clientHeight - node.offsetHeight) / 2 : 8);
  }

  // ------------------------------------------------------------------- layout
  // The server draws the first page so (templatetags/messaging.py chat_rows); this redraws
  // the separators and groups after any insertion: the same rules, on the data-* it renders.
  var GROUP_SECONDS = 5 * 60;
  var empty = document.getElementById("dm-empty");
  function dayLabel(node) {
    var day = node.dataset.day;
    if (day === page.dataset.today) { return page.dataset.todayLabel; }
    if (day === page.dataset.yesterday) { return page.dataset.yesterdayLabel; }
    return node.dataset.dayLabel || day;
  }
  function regroup() {
    items.querySelectorAll(".dm-day").forEach(function (node) { node.remove(); });
    var previous = null;
    var day = null;
    Array.prototype.slice.call(items.children).forEach(function (node) {
      if (node.classList.contains("dm-new")) { previous = null; return; }
      if (!node.dataset.message || !node.dataset.day) { return; }
      if (node.dataset.day !== day) {
        day = node.dataset.day;
        previous = null;
        var separator = document.createElement("li");
        separator.className = "dm-day";
        var text = document.createElement("span");
        text.textContent = dayLabel(node);
        separator.appendChild(text);
        var before = node.previousElementSibling;
        items.insertBefore(separator, before && before.classList.contains("dm-new") ? before : node);
      }
      var continued = previous && node.classList.contains("dm") && previous.classList.contains("dm") &&
        previous.dataset.sender === node.dataset.sender &&
        (parseInt(node.dataset.at, 10) - parseInt(previous.dataset.at, 10)) < GROUP_SECONDS;
      node.classList.toggle("dm-continued", !!continued);
      previous = node;
    });
    if (empty) { empty.hidden = items.children.length > 0; }
  }
  // Opening the conversation: "New messages" above the first one the reader had not read.
  function unreadDivider() {
    var read = parseInt(page.dataset.read, 10) || 0;
    var first = null;
    items.querySelectorAll(".dm[data-message]").forEach(function (node) {
      if (!first && parseInt(node.dataset.message, 10) > read && node.dataset.sender !== me) { first = node; }
    });
    if (!first) { return null; }
    var divider = document.createElement("li");
    divider.className = "dm-new";
    var text = document.createElement("span");
    text.textContent = page.dataset.newLabel || "New messages";
    divider.appendChild(text);
    items.insertBefore(divider, first);
    return divider;
  }

  // Puts a rendered message in its place: replaces the same message (edited, deleted, reacted)
  // or the bubble waiting for it (sent from this tab); appends it otherwise.
  function place(html) {
    var node = fragment(html).firstElementChild;
    if (!node) { return null; }
    var existing = document.getElementById(node.id);
    var pending = node.dataset.clientId && items.querySelector(".dm.sending[data-client-id='" + node.dataset.clientId + "']");
    var follow = atBottom();
    if (existing) {
      existing.replaceWith(node);
      if (pending) { pending.remove(); }
    } else if (pending) {
      pending.replaceWith(node);
    } else {
      var before = null;
      var id = parseInt(node.dataset.message, 10);
      items.querySelectorAll("[data-message]").forEach(function (other) {
        if (!before && parseInt(other.dataset.message, 10) > id) { before = other; }
      });
      items.insertBefore(node, before || items.querySelector(".dm.sending"));
    }
    mine(node.parentNode || items);
    processed(node);
    regroup();
    if (follow) { toBottom(); }
    seenBy();
    return node;
  }

  // Read receipts: under the last message each other participant has read, "Seen by …".
  var reads = JSON.parse(page.dataset.reads || "{}");
  var seenLabel = page.dataset.seenLabel || "Seen by";
  function seenBy() {
    var rows = Array.prototype.slice.call(items.querySelectorAll("[data-message]"));
    var names = {};
    Object.keys(reads).forEach(function (user) {
      var target = null;
      // Under the last message they have read among those of the others (not their own).
      rows.forEach(function (row) {
        if (parseInt(row.dataset.message, 10) <= reads[user].read && row.classList.contains("dm") && row.dataset.sender !== user) { target = row; }
      });
      if (target) { (names[target.id] = names[target.id] || []).push(reads[user].name); }
    });
    items.querySelectorAll(".dm-seen").forEach(function (seen) {
      var row = seen.closest("[data-message]");
      var who = row && names[row.id];
      seen.hidden = !who;
      seen.textContent = who ? seenLabel + " " + who.join(", ") : "";
    });
  }

  // What the reader has on screen is read: said to the server (and so to the others).
  var readSent = parseInt(page.dataset.read, 10) || 0;
  function markRead() {
    var last = lastId();
    if (document.hidden || last <= readSent) { return; }
    readSent = last;
    var body = new FormData();
    body.append("message", String(last));
    fetch(page.dataset.readUrl, { method: "POST", credentials: "same-origin", body: body, headers: { "X-CSRFToken": csrf() } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer) { return; }
        document.dispatchEvent(new CustomEvent("messages:unread", { detail: { unread: answer.unread } }));
        // The socket may not be connected yet to hear its own "read": the list is asked now.
        refreshList();
      });
  }
  document.addEventListener("visibilitychange", markRead);

  function csrf() { return composer.querySelector("[name=csrfmiddlewaretoken]").value; }

  // The messages heard live since the page last caught up, and when: catching up starts
  // after the newest one heard before the page stopped hearing everything. (One heard later
  // proves nothing: while Redis hangs, the first event sent may arrive after it returns, the
  // next ones never. And not one this tab sent over HTTP while its socket was down.)
  var complete = lastId();  // the page lacks no message up to this one
  var heard = [];
  function catchUpAfter(missed) {
    var until = Date.now() - missed - 1000;
    var after = complete;
    heard.forEach(function (entry) { if (entry.at <= until) { after = Math.max(after, entry.id); } });
    return after;
  }
  document.addEventListener("live:message.new", function (event) {
    var detail = event.detail;
    if (detail.conversation !== conversationId) { return; }
    heard.push({ at: Date.now(), id: detail.message });
    if (heard.length > 1000) { complete = Math.max(complete, heard.shift().id); }
    place(detail.html);
    typingOff(detail.sender);
    // Whoever writes has read what came before: the server says where that shows for this
    // reader (`seen`), never under a message the sender was not given.
    if (reads[detail.sender] && detail.seen) { reads[detail.sender].read = Math.max(reads[detail.sender].read, detail.seen); seenBy(); }
    // This tab's send got through even if its answer did not: the next message gets a new id.
    if (detail.client_id && detail.client_id === clientField.value) { sent(sentText); }
    markRead();
  });
  document.addEventListener("live:message.updated", function (event) {
    if (event.detail.conversation !== conversationId) { return; }
    if (document.getElementById("m" + event.detail.message)) { place(event.detail.html); }
  });
  document.addEventListener("live:conversation.read", function (event) {
    var detail = event.detail;
    if (detail.conversation !== conversationId || String(detail.user) === me || !reads[detail.user]) { return; }
    reads[detail.user].read = Math.max(reads[detail.user].read, detail.message);
    seenBy();
  });
  function gone() {
    document.getElementById("dm-gone").hidden = false;
    composer.querySelectorAll("textarea, input, button").forEach(function (field) { field.disabled = true; });
  }
  document.addEventListener("live:conversation.changed", function (event) {
    if (event.detail.conversation === conversationId && event.detail.removed) { gone(); }
  });
  // After a disconnection: whatever arrived meanwhile, from the server, a page at a time;
  // with the first page, the messages on screen that were edited, deleted or reacted to
  // while the page was not listening (`missed` milliseconds).
  function oldestId() {
    var first = items.querySelector("[data-message]");
    return first ? parseInt(first.dataset.message, 10) || 0 : 0;
  }
  function catchUp(rounds, missed, after) {
    var url = page.dataset.historyUrl + "?after=" + after;
    if (missed !== null) { url += "&missed=" + Math.max(0, Math.round(missed)) + "&from=" + oldestId(); }
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(function (response) {
      if (response.status === 404) { gone(); return null; }  // removed meanwhile
      if (!response.ok || response.redirected) { return null; }
      receipts(response.headers.get("X-Reads"));
      return response.text();
    }).then(function (html) {
      if (!html) { return; }
      var nodes = Array.prototype.slice.call(fragment(html).children).filter(function (node) { return node.dataset.message; });
      var fresh = 0;
      var newest = after;
      nodes.forEach(function (node) {
        var id = parseInt(node.dataset.message, 10);
        if (id > after) { fresh += 1; }
        newest = Math.max(newest, id);
        place(node.outerHTML);  // one on the page already is replaced, never shown twice
      });
      if (fresh >= pageSize && rounds > 1) { catchUp(rounds - 1, null, newest); return; }
      complete = Math.max(complete, newest);
      heard = heard.filter(function (entry) { return entry.id > complete; });
      markRead();
    });
  }
  // Where "seen by" each other participant shows now ({user: message}): the receipts missed.
  function receipts(header) {
    var positions;
    try { positions = JSON.parse(header || "{}"); } catch (error) { return; }
    Object.keys(positions).forEach(function (user) {
      if (reads[user]) { reads[user].read = Math.max(reads[user].read, positions[user] || 0); }
    });
    seenBy();
  }
  var pageSize = parseInt(page.dataset.pageSize, 10) || 30;
  document.addEventListener("live:reconnected", function (event) {
    var missed = (event.detail && event.detail.missed) || 0;
    catchUp(20, missed, catchUpAfter(missed));
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (items.contains(event.target) || event.target === items) { mine(items); regroup(); seenBy(); }
  });

  // ------------------------------------------------------------------- typing
  var typists = {};
  var typingLine = document.getElementById("dm-typing");
  var typingLabel = page.dataset.typingLabel || "is typing…";
  function showTyping() {
    var names = Object.keys(typists).map(function (user) { return typists[user].name; });
    typingLine.textContent = names.length ? names.join(", ") + " " + typingLabel : "";
  }
  function typingOff(user) {
    if (typists[user]) { window.clearTimeout(typists[user].timer); delete typists[user]; showTyping(); }
  }
  document.addEventListener("live:typing", function (event) {
    var detail = event.detail;
    if (detail.conversation !== conversationId || String(detail.user) === me) { return; }
    typingOff(detail.user);
    typists[detail.user] = { name: detail.name, timer: window.setTimeout(function () { typingOff(detail.user); }, 6000) };
    showTyping();
  });
  var lastTyping = 0;
  var body = composer.querySelector("textarea[name=body]");
  // The composer grows with what is written (up to its CSS max-height), then scrolls.
  function fit() {
    body.style.height = "auto";
    if (body.value) { body.style.height = body.scrollHeight + 2 + "px"; }
  }
  body.addEventListener("input", fit);
  body.addEventListener("input", function () {
    var now = Date.now();
    if (body.value && now - lastTyping > 3000 && window.liveSend) {
      lastTyping = now;
      window.liveSend({ type: "typing", conversation: conversationId });
    }
  });

  // -------------------------------------------------------------------- reply
  var replyField = composer.querySelector("[name=reply_to]");
  var replying = composer.querySelector(".dm-replying");
  items.addEventListener("click", function (event) {
    var button = event.target.closest("[data-reply]");
    if (!button) { return; }
    replyField.value = button.dataset.reply;
    replying.querySelector("span").textContent = (page.dataset.replyLabel || "Replying to") + " " + button.dataset.replyName;
    replying.hidden = false;
    body.focus();
  });
  composer.querySelector("[data-cancel-reply]").addEventListener("click", function () {
    replyField.value = "";
    replying.hidden = true;
  });

  // --------------------------------------------------------------------- send
  var errorBox = composer.querySelector(".dm-composer-error");
  var clientField = composer.querySelector("[name=client_id]");
  var fileField = composer.querySelector("input[type=file]");
  function problem(text) { errorBox.textContent = text || ""; errorBox.hidden = !text; }
  // The files chosen, named above the composer (the paperclip alone does not say).
  var chosen = composer.querySelector(".dm-files-chosen");
  function chosenFiles() {
    var names = Array.prototype.map.call(fileField.files || [], function (file) { return file.name; });
    chosen.textContent = names.join(", ");
    chosen.hidden = !names.length;
  }
  fileField.addEventListener("change", chosenFiles);
  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (window.crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function pendingBubble(text, clientId, files) {
    var existing = items.querySelector(".dm.sending[data-client-id='" + clientId + "']");
    if (existing) { existing.classList.remove("failed"); return existing; }
    var bubble = document.createElement("li");
    bubble.className = "dm mine sending";
    bubble.dataset.clientId = clientId;
    var inner = document.createElement("div");
    inner.className = "dm-main";
    var line = document.createElement("div");
    line.className = "dm-line";
    var shape = document.createElement("div");
    shape.className = "dm-bubble";
    var p = document.createElement("p");
    p.className = "mb-0";
    p.textContent = text || files.map(function (file) { return file.name; }).join(", ");
    shape.appendChild(p);
    line.appendChild(shape);
    inner.appendChild(line);
    bubble.appendChild(inner);
    items.appendChild(bubble);
    if (empty) { empty.hidden = true; }
    toBottom();
    return bubble;
  }
  var sending = false;
  var sentText = null;
  // The message is stored: the composer is cleared, unless more was typed meanwhile.
  function sent(text) {
    clientField.value = "";
    if (body.value === text) {
      body.value = "";
      fileField.value = "";
      replyField.value = "";
      replying.hidden = true;
      chosenFiles();
      fit();
    }
    problem("");
  }
  function send() {
    if (sending) { return; }
    var files = fileField.files ? Array.prototype.slice.call(fileField.files) : [];
    if (!body.value.trim() && !files.length) { return; }
    var max = parseInt(composer.dataset.maxBytes, 10);
    if (files.some(function (file) { return file.size > max; })) { problem(composer.dataset.tooLarge); return; }
    // The id stays until the server has the message: pressing Send again retries the same one.
    if (!clientField.value) { clientField.value = newClientId(); }
    var clientId = clientField.value;
    var bubble = pendingBubble(body.value, clientId, files);
    var data = new FormData(composer);
    sentText = body.value;
    sending = true;
    problem("");
    fetch(composer.action, { method: "POST", credentials: "same-origin", body: data, headers: { "X-Requested-With": "fetch", "X-CSRFToken": csrf() } })
      .then(function (response) {
        return response.text().then(function (text) {
          // Redirected: the session ended (the sign-in page came back, not the message).
          return { ok: response.ok && !response.redirected, status: response.redirected ? 0 : response.status, text: text };
        });
      })
      .then(function (answer) {
        sending = false;
        if (answer.ok) {
          sent(sentText);
          place(answer.text);
          bubble.remove();
          markRead();
          return;
        }
        bubble.remove();
        if (answer.status === 400) { clientField.value = ""; }
        problem(answer.status === 400 ? answer.text : answer.status === 413 ? composer.dataset.tooLarge : composer.dataset.failed);
      })
      .catch(function () {
        sending = false;
        bubble.classList.add("failed");
        problem(composer.dataset.failed);
      });
  }
  composer.addEventListener("submit", function (event) { event.preventDefault(); send(); });
  body.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
  });

  mine(items);
  var divider = unreadDivider();
  regroup();
  seenBy();
  // A search result opens on its message; else the first unread one; else the latest.
  var shown = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (shown && items.contains(shown)) {
    shown.classList.add("dm-found");
    scrollTo(shown, true);
  } else if (divider && items.scrollHeight - divider.offsetTop > items.clientHeight) {
    scrollTo(divider, false);
  } else {
    toBottom();
  }
  markRead();
})();
