/* Knoppen live page helpers. No inline script, no eval: works under a strict CSP.
 *
 * - Pushed fragments carry data-seq; an older fragment never replaces a newer one.
 * - Keyboard focus stays on the same control when its fragment is replaced, and so do the
 *   choices made in it (the ballot's radio buttons, checkboxes and selects).
 * - Screen readers hear what changed (data-announce) through one polite live region.
 * - The connection state is shown in words; on waking up the page asks for a snapshot.
 * - A lost connection is retried soon: spread out when a server restarts (so a thousand
 *   phones do not knock at once), every second while the phone itself is offline (nothing
 *   reaches the server then), and never more than ten seconds apart.
 * - When the server closes the connection, its code says what to do (AFTER): reconnect at
 *   once (a new role), after a pause (too many requests), or stop and say why.
 * - Speaking-time countdowns tick in the browser.
 * - A request that fails (server too busy, no network) says so in the notice area; the form
 *   keeps what was filled in, so sending it again is one click.
 */
(function () {
  "use strict";

  var socket = null;
  var focused = null;
  var choices = [];
  var FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary";

  function seqOf(el) {
    var value = el && el.getAttribute && el.getAttribute("data-seq");
    return value === null || value === undefined ? null : parseInt(value, 10);
  }

  function gone(el) {
    return !el.isConnected || el.getClientRects().length === 0;
  }

  // A control is found again in the new fragment by its id, else by what it is and says.
  function signature(el) {
    return [el.tagName, el.getAttribute("href"), el.getAttribute("name"),
      el.getAttribute("value"), el.getAttribute("aria-label"), el.textContent.trim()].join("|");
  }

  // What the person chose or opened in a fragment survives its replacement: ballot choices
  // (and the points, reasons and remarks typed into a ballot), and a <details> they opened
  // ("close the meeting", "who is present").
  var KEPT = "input[type=radio][id], input[type=checkbox][id], select[id], details[id], " +
    ".ballot input[type=number][id], .ballot input[type=text][id], .ballot textarea[id]";
  function choicesIn(fragment) {
    var found = [];
    fragment.querySelectorAll(KEPT)
      .forEach(function (el) {
        found.push({ id: el.id, checked: el.checked, value: el.value, open: el.open });
      });
    return found;
  }

  function restoreChoices(found) {
    found.forEach(function (was) {
      var el = document.getElementById(was.id);
      if (!el) { return; }
      if (el.tagName === "SELECT" || el.tagName === "TEXTAREA" ||
          el.type === "number" || el.type === "text") { el.value = was.value; }
      else if (el.tagName === "DETAILS") { el.open = was.open; }
      else { el.checked = was.checked; }
    });
  }

  // When a push took the focused control away (replaced, or hidden: the ballot after
  // voting), the focus goes to the same control in the new fragment, else to the nearest
  // fragment still shown, so that a keyboard user goes on from where they were.
  function keepFocus(was, fragment) {
    if (!gone(was.el)) { return; }
    var again = was.id ? document.getElementById(was.id) : null;
    if ((!again || gone(again)) && fragment) {
      var candidates = Array.prototype.filter.call(
        fragment.querySelectorAll(FOCUSABLE),
        function (el) { return signature(el) === was.signature && !gone(el); }
      );
      again = candidates[0] || null;
    }
    for (var el = fragment; (!again || gone(again)) && el; el = el.previousElementSibling) {
      if (el.id && !gone(el)) {
        if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "-1"); }
        again = el;
      }
    }
    if (again && !gone(again)) {
      // The same fragment, re-rendered by the server, comes without the tabindex we gave
      // it to hold the focus (after voting, a push of "you have voted" replaces the very
      // fragment the focus was kept on): without one, focus() would do nothing.
      if (again.tabIndex < 0 && !again.hasAttribute("tabindex")) {
        again.setAttribute("tabindex", "-1");
      }
      again.focus();
    }
  }

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    var before = seqOf(target);
    var after = seqOf(incoming);
    if (before !== null && after !== null && after < before) {
      event.detail.shouldSwap = false; // stale: we already show a newer state
      return;
    }
    var active = document.activeElement;
    focused = active && active !== document.body
      ? { el: active, id: active.id, signature: signature(active) }
      : null;
    choices = choicesIn(target);
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var el = event.detail.target && event.detail.target.id
      ? document.getElementById(event.detail.target.id)
      : null;
    restoreChoices(choices);
    choices = [];
    if (focused) {
      keepFocus(focused, el);
      focused = null;
    }
    if (el && el.hasAttribute("data-announce")) {
      announce(el.getAttribute("data-announce"), el.id);
    }
    startCountdowns();
  });

  var lastAnnounced = {};
  function announce(text, key) {
    var region = document.getElementById("live-announcer");
    if (!region || !text || lastAnnounced[key] === text) { return; }
    lastAnnounced[key] = text;
    region.textContent = text;
  }

  function setConnection(state) {
    var el = document.getElementById("live-connection");
    if (!el) { return; }
    // While the phone is offline, only coming back online changes what the line says.
    if (navigator.onLine === false && state !== "network-down" &&
        state !== "ended" && state !== "refused") {
      state = "network-down";
    }
    el.setAttribute("data-state", state);
    el.textContent = el.getAttribute("data-" + state) || "";
  }

  function reconnectDelay(retryCount) {
    if (navigator.onLine === false) { return 1000; }
    var ceiling = Math.min(10000, 500 * Math.pow(2, retryCount));
    return ceiling / 2 + Math.random() * ceiling / 2;
  }
  if (window.htmx) { window.htmx.config.wsReconnectDelay = reconnectDelay; }

  // The codes the server closes with (panels/live/consumers.py: Close, and AFTER, which a test
  // keeps equal to this table) and what the page does then. htmx-ext-ws itself retries
  // after the network's and a failing server's codes (1006, 1011), with reconnectDelay.
  var AFTER = {
    1000: "stop",       // the meeting is over: the page already shows the final state
    4012: "reconnect",  // a new role: at once, for the new view
    4400: "stop",       // frames this page never sends: trying again would not help
    4403: "refused",    // no access any more: say so
    4429: "pause"       // too many requests: come back after the server's window (10 s)
  };
  var PAUSE = 15000;
  var RETRIED_BY_HTMX = [1006, 1011, 1012, 1013];

  document.addEventListener("htmx:wsConnecting", function () { setConnection("connecting"); });
  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.socketWrapper;
    setConnection("open");
  });
  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail.event && event.detail.event.code;
    var after = AFTER[code];
    var source = event.target;
    var wrapper = event.detail.socketWrapper;
    socket = null;
    if (after === "reconnect" || after === "pause") {
      setConnection("closed");
      var delay = reconnectDelay(0) + (after === "pause" ? PAUSE : 0);
      setTimeout(function () {
        if (source.isConnected) { wrapper.reconnect(); }
      }, delay);
    } else if (after) {
      setConnection(after === "refused" ? "refused" : "ended");
    } else {
      setConnection(RETRIED_BY_HTMX.indexOf(code) >= 0 ? "closed" : "ended");
    }
  });

  function resync() {
    if (socket) {
      try { socket.send(JSON.stringify({ type: "resync" })); } catch (e) { /* reconnect will resync */ }
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { resync(); }
  });
  // The phone knows it is offline before the socket notices: say so at once, and that it
  // is back; the socket's own events then say "live" again.
  window.addEventListener("offline", function () { setConnection("network-down"); });
  window.addEventListener("online", function () {
    setConnection(socket ? "open" : "network-back");
    resync();
  });

  // Countdowns: "2:15" left, then "time is up".
  var timer = null;
  function tick() {
    var els = document.querySelectorAll("[data-countdown-until]");
    if (!els.length) { clearInterval(timer); timer = null; return; }
    var now = Date.now();
    els.forEach(function (el) {
      var left = Math.round((Date.parse(el.getAttribute("data-countdown-until")) - now) / 1000);
      if (left <= 0) {
        el.textContent = document.documentElement.lang === "en" ? "time is up" : "tijd is om";
        el.classList.add("countdown--over");
      } else {
        var minutes = Math.floor(left / 60);
        var seconds = left % 60;
        el.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
        el.classList.remove("countdown--over");
      }
    });
  }
  function startCountdowns() {
    tick();
    if (!timer && document.querySelector("[data-countdown-until]")) {
      timer = setInterval(tick, 1000);
    }
  }
  document.addEventListener("DOMContentLoaded", startCountdowns);

  // Ballot forms pushed to everyone carry no key; each browser makes its own, so a
  // retried submission is recognised and every voter's receipt is their own.
  function fillKeys() {
    document.querySelectorAll("input[data-fill-key]").forEach(function (input) {
      if (!input.value) {
        var bytes = new Uint8Array(16);
        window.crypto.getRandomValues(bytes);
        input.value = Array.prototype.map.call(bytes, function (b) {
          return ("0" + b.toString(16)).slice(-2);
        }).join("");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", fillKeys);
  document.addEventListener("htmx:oobAfterSwap", fillKeys);

  // A points ballot counts along: "7 of 10 points given" (the server refuses more anyway;
  // this only saves a tenant the round trip). Without JavaScript the line stays hidden.
  function countPoints() {
    document.querySelectorAll("[data-points-budget]").forEach(function (list) {
      var total = 0;
      list.querySelectorAll("input[type=number]").forEach(function (input) {
        var n = parseInt(input.value, 10);
        if (n > 0) { total += n; }
      });
      var budget = parseInt(list.getAttribute("data-points-budget"), 10);
      var line = document.getElementById(list.getAttribute("data-points-line"));
      if (!line) { return; }
      line.textContent = line.getAttribute("data-template")
        .replace("{given}", total).replace("{budget}", budget);
      line.classList.toggle("message--error", total > budget);
      line.hidden = false;
    });
  }
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("[data-points-budget]")) { countPoints(); }
  });
  document.addEventListener("DOMContentLoaded", countPoints);
  document.addEventListener("htmx:oobAfterSwap", countPoints);

  // "You have voted" belongs to one vote: when another vote opens or the vote closes,
  // the shared vote fragment changes and the personal note about the old one goes.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "live-vote") { return; }
    var vote = document.getElementById("live-vote");
    var mine = document.getElementById("live-my-vote");
    if (vote && mine && mine.getAttribute("data-vote") !== vote.getAttribute("data-open-vote")) {
      mine.removeAttribute("data-voted");
      mine.setAttribute("data-vote", "");
      mine.textContent = "";
    }
  });

  // A message belongs to the agenda item under discussion when its writer started it.
  // Until the first letter, the form follows the pushed status; from then on it keeps that
  // item, so a message the moderator overtook is refused with its text kept (the server
  // compares), never filed under the next item. Emptying the box starts afresh.
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.form || box.form.id !== "message-form" || box.name !== "text") { return; }
    if (!box.value) { delete box.dataset.started; return; }
    if (box.dataset.started) { return; }
    box.dataset.started = "1";
    var status = document.getElementById("live-status");
    var item = box.form.elements.namedItem("item"); // (`elements.item` is a method)
    if (status && item) { item.value = status.getAttribute("data-current-item") || "0"; }
  });

  // Clicks. A live button acts once, however fast or often it is pressed, and a press never
  // leaves the page:
  // - A form htmx has not processed yet (swapped in a moment ago) would submit the plain
  //   way, without the CSRF token pushed fragments cannot carry: htmx takes it over first.
  // - While a form's request is under way, pressing it again does nothing.
  // - The second click of a double click does nothing, on whatever a change put under the
  //   pointer in between ("Lower my hand" where "Raise my hand" was, or a link): no live
  //   control is meant for a double click.
  var processed = new WeakSet();
  var inFlight = new WeakSet();

  document.addEventListener("htmx:afterProcessNode", function (event) {
    if (event.target.tagName === "FORM") { processed.add(event.target); }
  });

  // The part of the page a push replaces whole: a fragment, or a form swapped by id.
  function fragmentOf(el) {
    var fragment = el.closest("[data-seq][id]") || el.closest("form[id]");
    return fragment ? fragment.id : null;
  }

  function liveForm(el) {
    var form = el && el.closest && el.closest("form[hx-post]");
    return form && form.closest(".live") ? form : null;
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    // Whatever slid under the pointer between the two clicks of a double click (a link, a
    // button of another part) is not what the person aimed at.
    if (event.detail >= 2 && event.target.closest(".live a[href], .live button, .live summary")) {
      event.preventDefault();
      return;
    }
    var button = event.target.closest("button[type=submit], button:not([type])");
    var form = button && liveForm(button);
    if (form && inFlight.has(form)) { event.preventDefault(); }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = liveForm(event.target);
    if (!form || !window.htmx) { return; }
    if (inFlight.has(form)) { event.preventDefault(); return; }
    if (!processed.has(form)) {
      event.preventDefault();
      window.htmx.process(form);
      processed.add(form);
      form.requestSubmit(event.submitter || undefined);
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = liveForm(event.detail.elt);
    if (form) { inFlight.add(form); form.setAttribute("aria-busy", "true"); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = liveForm(event.detail.elt);
    if (form) { inFlight.delete(form); form.removeAttribute("aria-busy"); }
  });

  // Notices. The outcome of an action is shown next to the control that was used: the one
  // notice area moves, before the request goes, to just below the part of the page that
  // holds the form (not inside it: a push may replace that part while the request is under
  // way). A notice holds as long as what it is about: it goes when that part of the page
  // moves on to a newer state (for a fragment with data-state, when that state changes),
  // except what must be kept (a receipt code, data-keep).
  function partOf(el) {
    var id = fragmentOf(el);
    return id ? document.getElementById(id) : el;
  }

  function maxSeq() {
    var seq = 0;
    document.querySelectorAll(".live [data-seq]").forEach(function (el) {
      seq = Math.max(seq, seqOf(el) || 0);
    });
    return seq;
  }

  function placeNotice(form) {
    var notice = document.getElementById("live-notice");
    var part = form && partOf(form);
    if (!notice || !part || !part.parentNode) { return notice; }
    if (part.nextElementSibling !== notice) { part.after(notice); }
    // On a phone the parts are ordered by CSS: the notice takes the place of its part.
    notice.style.order = window.getComputedStyle(part).order;
    notice.setAttribute("data-about", part.id || "");
    return notice;
  }

  function stampNotices() {
    var seq = String(maxSeq());
    document.querySelectorAll("#live-notice > :not([data-seq]), .messages > :not([data-seq])")
      .forEach(function (el) { el.setAttribute("data-seq", seq); });
  }
  document.addEventListener("DOMContentLoaded", stampNotices);

  function dropNoticesAbout(id, seq) {
    var notice = document.getElementById("live-notice");
    var stale = [];
    if (notice && notice.getAttribute("data-about") === id) {
      stale = Array.prototype.slice.call(notice.children);
    }
    document.querySelectorAll('.messages > [data-about="' + id + '"]').forEach(function (el) {
      stale.push(el);
    });
    stale.forEach(function (el) {
      if (!el.hasAttribute("data-keep") && (seqOf(el) || 0) < seq) { el.remove(); }
    });
  }

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    if (!target || !target.id || !incoming || event.detail.shouldSwap === false) { return; }
    if (target.id === "live-notice") { return; }
    var was = target.getAttribute("data-state");
    var now = incoming.getAttribute && incoming.getAttribute("data-state");
    if (was !== null && now !== null && was === now) { return; }
    dropNoticesAbout(target.id, seqOf(incoming) || Infinity);
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "live-notice") { return; }
    stampNotices();
    if (target.children.length) { target.scrollIntoView({ block: "nearest" }); }
  });

  // htmx swaps nothing for an error answer: the form stays as it was. Say what happened,
  // next to the form, in its own words where it has them (the ballot: "your vote was not
  // recorded").
  function requestFailed(kind, form) {
    var notice = placeNotice(form);
    var text = form && form.getAttribute("data-" + kind) ||
      notice && notice.getAttribute("data-" + kind);
    if (!text) { return; }
    var p = document.createElement("p");
    p.className = "message message--error";
    p.textContent = text;
    notice.replaceChildren(p);
    stampNotices();
    notice.scrollIntoView({ block: "nearest" });
  }
  // Listen on the request itself, not for htmx's error events: those are fired on the
  // form that sent it, and a push may have replaced that form (the ballot) while the
  // request was under way; events on a detached form never reach the document.
  document.addEventListener("htmx:beforeSend", function (event) {
    var xhr = event.detail.xhr;
    var form = liveForm(event.detail.elt);
    if (!xhr) { return; }
    placeNotice(form);
    xhr.addEventListener("error", function () { requestFailed("offline", form); });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 400) { requestFailed(xhr.status === 503 ? "busy" : "failed", form); }
    });
  });

  // What asks for the person now (a ballot they have not filled in, the floor given to
  // them) is called out at the foot of the screen while it is out of view, without taking
  // the focus or touching what they type. Screen readers hear it through data-announce.
  function shown(el) {
    return el && el.getClientRects().length > 0;
  }
  function inView(el) {
    var box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  }
  function updateCallout() {
    var callout = document.getElementById("live-callout");
    if (!callout) { return; }
    var ballot = document.getElementById("live-ballot");
    var speaking = document.querySelector("#live-my-hand .you-speak");
    var wants = {
      ballot: shown(ballot) && ballot.querySelector("form") && !inView(ballot) ? ballot : null,
      floor: shown(speaking) && !inView(speaking) ? speaking : null
    };
    var any = false;
    callout.querySelectorAll("[data-callout]").forEach(function (link) {
      var on = !!wants[link.getAttribute("data-callout")];
      link.hidden = !on;
      any = any || on;
    });
    var text = callout.querySelector("[data-callout-text]");
    var legend = ballot && ballot.querySelector("legend");
    if (text) { text.textContent = legend ? legend.textContent.trim() : ""; }
    callout.hidden = !any;
  }
  var calloutQueued = false;
  function queueCallout() {
    if (calloutQueued) { return; }
    calloutQueued = true;
    window.requestAnimationFrame(function () { calloutQueued = false; updateCallout(); });
  }
  window.addEventListener("scroll", queueCallout, { passive: true });
  window.addEventListener("resize", queueCallout);
  document.addEventListener("htmx:oobAfterSwap", queueCallout);
  document.addEventListener("DOMContentLoaded", queueCallout);
})();
