/* The org chart (templates/profiles/org_chart.html): a box of its own that scrolls and pans.
 *
 * - It opens centred on the person whose chart it is.
 * - Drag with the mouse to pan; the wheel, a touch screen and the arrow keys (the box takes
 *   the focus) scroll it. Shadows on its edges say on which side there is more; the hint and
 *   a "Back to ..." button show while there is.
 * - A "N reports" button loads that person's reports once (htmx), then folds and unfolds
 *   them; the person whose branch opens stays where they were on the screen, and their
 *   reports are brought into view as far as that allows.
 * - A person's business card (hover or keyboard focus, loaded by htmx as everywhere) is
 *   placed beside their box, over the box's edges rather than cut by them.
 *
 * It replaces orgChart() in app.js, and works while that still runs: its branch buttons are
 * [data-org-branch], which the old function does not know. */
(function () {
  "use strict";

  var started = false;

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function start() {
    if (started) { return; }
    var chart = document.querySelector("[data-org-chart]");
    if (!chart) { return; }
    started = true;
    var viewport = chart.querySelector("[data-org-viewport]");
    var canvas = viewport.querySelector(".org-canvas");
    var hint = document.getElementById("org-hint");
    var centreButton = document.querySelector("[data-org-centre]");
    var edges = {};
    chart.querySelectorAll("[data-org-edge]").forEach(function (edge) { edges[edge.dataset.orgEdge] = edge; });
    var activeNode = null;
    var frame = 0;

    function current() { return viewport.querySelector(".org-node-current"); }

    // The management chain drawn right above the person rather than over the middle of their
    // whole level, which can be far wider than the box: their manager is in sight from the start.
    var chain = canvas.querySelector(".org-chain");
    function alignChain() {
      var me = current();
      var top = chain && chain.querySelector(".org-node");
      if (!me || !top) { return; }
      chain.style.transform = "";
      var from = top.getBoundingClientRect();
      var to = me.getBoundingClientRect();
      var dx = Math.round((to.left + to.width / 2) - (from.left + from.width / 2));
      chain.style.transform = dx ? "translateX(" + dx + "px)" : "";
    }

    function relayout() {
      alignChain();
      scheduleUpdate();
    }

    // ------------------------------------------------------------ where things are
    function centreOn(node, smooth) {
      if (!node) { return; }
      var box = viewport.getBoundingClientRect();
      var rect = node.getBoundingClientRect();
      viewport.scrollTo({
        left: viewport.scrollLeft + (rect.left + rect.width / 2) - (box.left + viewport.clientWidth / 2),
        top: viewport.scrollTop + (rect.top + rect.height / 2) - (box.top + viewport.clientHeight / 2),
        behavior: smooth && !reducedMotion() ? "smooth" : "auto",
      });
    }

    function inView(node) {
      var box = viewport.getBoundingClientRect();
      var rect = node.getBoundingClientRect();
      return rect.left >= box.left - 1 && rect.right <= box.left + viewport.clientWidth + 1 &&
        rect.top >= box.top - 1 && rect.bottom <= box.top + viewport.clientHeight + 1;
    }

    function update() {
      frame = 0;
      var maxLeft = viewport.scrollWidth - viewport.clientWidth;
      var maxTop = viewport.scrollHeight - viewport.clientHeight;
      var more = {
        left: viewport.scrollLeft > 1,
        right: viewport.scrollLeft < maxLeft - 1,
        top: viewport.scrollTop > 1,
        bottom: viewport.scrollTop < maxTop - 1,
      };
      Object.keys(edges).forEach(function (side) { edges[side].hidden = !more[side]; });
      // The bottom and right shadows stop at the scroll bars, if the box shows them.
      if (edges.bottom) { edges.bottom.style.bottom = (viewport.offsetHeight - viewport.clientHeight - viewport.clientTop) + "px"; }
      if (edges.right) { edges.right.style.right = (viewport.offsetWidth - viewport.clientWidth - viewport.clientLeft) + "px"; }
      var scrolls = maxLeft > 1 || maxTop > 1;
      if (hint) { hint.hidden = !scrolls; }
      viewport.classList.toggle("is-pannable", scrolls);
      var me = current();
      // Shown and hidden without taking or giving back room: the header's line does not
      // wrap and push the chart down while a branch opens (a layout shift at phone width).
      if (centreButton && me) { centreButton.classList.toggle("invisible", inView(me)); }
      if (activeNode) { placeCard(activeNode); }
    }

    function scheduleUpdate() {
      if (!frame) { frame = window.requestAnimationFrame(update); }
    }

    // ------------------------------------------------------------ business cards
    function placeCard(node) {
      var slot = node.querySelector(":scope > .person-card-slot");
      if (!slot || !slot.firstElementChild) { return; }
      var width = slot.offsetWidth;
      var height = slot.offsetHeight;
      if (!width) { return; }  // not shown: the pointer or the focus has left
      var rect = node.getBoundingClientRect();
      var left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8));
      var top = rect.bottom;
      if (top + height > window.innerHeight - 8 && rect.top - height >= 8) { top = rect.top - height; }
      slot.style.left = left + "px";
      slot.style.top = top + "px";
    }

    function activate(event) {
      var node = event.target.closest && event.target.closest(".org-node");
      if (!node || !viewport.contains(node)) { return; }
      activeNode = node;
      placeCard(node);
    }
    viewport.addEventListener("mouseover", activate);
    viewport.addEventListener("focusin", activate);

    // ------------------------------------------------------------ branches
    function nodeOf(button) { return button.closest(".org-item").querySelector(":scope > .org-node"); }

    function anchor(button) {
      var node = nodeOf(button);
      var rect = node.getBoundingClientRect();
      return { node: node, left: rect.left, top: rect.top };
    }

    // The opened node back where it was, then as much of its reports in view as keeps it there.
    function keep(place, children) {
      var rect = place.node.getBoundingClientRect();
      viewport.scrollLeft += rect.left - place.left;
      viewport.scrollTop += rect.top - place.top;
      if (!children || children.hidden || !children.firstElementChild) { scheduleUpdate(); return; }
      var box = viewport.getBoundingClientRect();
      var right = box.left + viewport.clientWidth;
      var bottom = box.top + viewport.clientHeight;
      var node = place.node.getBoundingClientRect();
      var kids = children.getBoundingClientRect();
      var margin = 16;
      var dx = 0;
      var dy = 0;
      if (kids.bottom > bottom) { dy = Math.max(0, Math.min(kids.bottom - bottom + margin, node.top - box.top - margin)); }
      if (kids.width <= viewport.clientWidth) {
        if (kids.right > right) { dx = Math.max(0, Math.min(kids.right - right + margin, node.left - box.left - margin)); }
        else if (kids.left < box.left) { dx = -Math.max(0, Math.min(box.left - kids.left + margin, right - node.right - margin)); }
      }
      if (dx || dy) {
        viewport.scrollBy({ left: dx, top: dy, behavior: reducedMotion() ? "auto" : "smooth" });
      }
      scheduleUpdate();
    }

    function childrenOf(button) {
      return document.getElementById(button.getAttribute("aria-controls")) || button.nextElementSibling;
    }

    viewport.addEventListener("click", function (event) {
      var button = event.target.closest("[data-org-branch]");
      if (!button) { return; }
      var children = childrenOf(button);
      var place = anchor(button);
      if (button.dataset.orgLoaded) {
        children.hidden = !children.hidden;
        button.setAttribute("aria-expanded", children.hidden ? "false" : "true");
        keep(place, children);
        return;
      }
      button._orgPlace = place;
      button.setAttribute("aria-expanded", "true");
      if (button.dataset.orgFailed && window.htmx) {
        // htmx's "click once" will not ask again after a failure: ask here.
        delete button.dataset.orgFailed;
        window.htmx.ajax("GET", button.getAttribute("hx-get"), { source: button, target: children, swap: "innerHTML" });
      }
    });

    function branchButtonFor(target) {
      if (!target || !target.classList || !target.classList.contains("org-children") || !viewport.contains(target)) { return null; }
      return viewport.querySelector('[data-org-branch][aria-controls="' + target.id + '"]');
    }

    document.body.addEventListener("htmx:afterSettle", function (event) {
      var target = event.detail && event.detail.target;
      if (target && target.classList && target.classList.contains("person-card-slot") && viewport.contains(target)) {
        placeCard(target.parentElement);
        return;
      }
      var button = branchButtonFor(target);
      if (!button) { return; }
      button.dataset.orgLoaded = "1";
      target.hidden = false;
      keep(button._orgPlace || anchor(button), target);
      button._orgPlace = null;
    });

    function failed(event) {
      var button = branchButtonFor(event.detail && event.detail.target);
      if (!button || button.dataset.orgLoaded) { return; }
      button.dataset.orgFailed = "1";
      button.setAttribute("aria-expanded", "false");
    }
    document.body.addEventListener("htmx:responseError", failed);
    document.body.addEventListener("htmx:sendError", failed);

    // ------------------------------------------------------------ panning with the mouse
    var drag = null;
    var swallowClick = false;

    viewport.addEventListener("pointerdown", function (event) {
      if (event.pointerType !== "mouse" || event.button !== 0) { return; }
      if (event.target.closest("button, input, select, textarea, .business-card")) { return; }
      drag = {
        id: event.pointerId, x: event.clientX, y: event.clientY,
        left: viewport.scrollLeft, top: viewport.scrollTop, moved: false,
      };
    });

    viewport.addEventListener("pointermove", function (event) {
      if (!drag || event.pointerId !== drag.id) { return; }
      var dx = event.clientX - drag.x;
      var dy = event.clientY - drag.y;
      if (!drag.moved) {
        if (Math.abs(dx) + Math.abs(dy) < 5) { return; }
        drag.moved = true;
        viewport.classList.add("is-dragging");
        try { viewport.setPointerCapture(drag.id); } catch (error) { /* the pointer is gone */ }
        if (window.getSelection) { window.getSelection().removeAllRanges(); }
      }
      viewport.scrollLeft = drag.left - dx;
      viewport.scrollTop = drag.top - dy;
      event.preventDefault();
    });

    function endDrag(event) {
      if (!drag || (event && event.pointerId !== drag.id)) { return; }
      if (drag.moved) {
        swallowClick = true;
        window.setTimeout(function () { swallowClick = false; }, 0);
      }
      viewport.classList.remove("is-dragging");
      drag = null;
    }
    viewport.addEventListener("pointerup", endDrag);
    viewport.addEventListener("pointercancel", endDrag);
    viewport.addEventListener("lostpointercapture", endDrag);
    // A pan that ends over a name is not a click on it.
    viewport.addEventListener("click", function (event) {
      if (swallowClick) {
        swallowClick = false;
        event.preventDefault();
        event.stopPropagation();
      }
    }, true);
    // Links and photos would otherwise be dragged away instead of the chart.
    viewport.addEventListener("dragstart", function (event) { event.preventDefault(); });

    // ------------------------------------------------------------ start
    if (centreButton) {
      centreButton.addEventListener("click", function () { centreOn(current(), true); });
    }
    viewport.addEventListener("scroll", scheduleUpdate, { passive: true });
    window.addEventListener("scroll", function () { if (activeNode) { placeCard(activeNode); } }, { passive: true });
    window.addEventListener("resize", scheduleUpdate);
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(relayout);
      observer.observe(viewport);
      observer.observe(canvas);
    }
    alignChain();
    centreOn(current(), false);
    update();
  }

  // After app.js's own start (DOMContentLoaded listeners run in order), so that its older
  // scrollIntoView, while it is still there, does not undo the centring.
  document.addEventListener("DOMContentLoaded", start);
  window.addEventListener("load", start);
})();
