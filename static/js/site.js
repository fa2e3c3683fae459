// The portal's few behaviours, kept out of the templates so the Content Security Policy can
// forbid inline scripts and on*= handlers (script-src 'self'). Every page works without it.
(function () {
  "use strict";

  // The language menu switches on choice; without script a button does it (<noscript>).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });

  // Print buttons (the walk-in check-in QR poster).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  // "Copy link" beside a short link; shown only where the clipboard can be written.
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copyFrom);
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        button.textContent = button.dataset.done;
      });
    });
  });

  // --- Room page: booking first (day view, slot picking, folded details, walk-in rooms, QR poster) ---

  // "{start}–{end}" texts come translated from the page's data-text-* attributes.
  function fillText(text, values) {
    return (text || "").replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  // The date chips scroll sideways: keep the chosen day in sight.
  function showChosenChip(root) {
    root.querySelectorAll("[data-date-chips] ul").forEach(function (row) {
      var chosen = row.querySelector("[aria-current]");
      if (chosen) {
        row.scrollLeft = chosen.parentNode.offsetLeft - (row.clientWidth - chosen.offsetWidth) / 2;
      }
    });
  }

  // Pick a start and then an end among a day's free slots. Without script each free slot is
  // a plain link to the booking form with that start (and the form asks for the length).
  function setUpSlotPicker(list) {
    // A property, not an attribute: htmx's history snapshot (the back button) keeps
    // attributes but not listeners, so a restored list is set up again.
    if (list.slotPicker) return;
    list.slotPicker = true;
    var panel = list.parentNode;
    var help = panel.querySelector("[data-pick-help]");
    var box = panel.querySelector("[data-pick-panel]");
    var message = panel.querySelector("[data-pick-message]");
    var summary = panel.querySelector("[data-pick-summary]");
    var announce = panel.querySelector("[data-pick-announce]");
    var go = panel.querySelector("[data-pick-continue]");
    var clear = panel.querySelector("[data-pick-clear]");
    var text = list.dataset;
    var min = parseInt(text.min, 10);
    var max = parseInt(text.max, 10);
    // One entry per row: the free slot's link, or null for a row that cannot be booked.
    var slots = Array.prototype.map.call(list.children, function (row) {
      return row.querySelector("a.slot-btn.free");
    });
    var start = null;
    var end = null;
    if (help) help.textContent = help.dataset.pickHelp;

    function minutes(from, to) {
      return (Date.parse(slots[to].dataset.end) - Date.parse(slots[from].dataset.start)) / 60000;
    }
    function unbroken(from, to) {
      for (var k = from; k <= to; k++) {
        if (!slots[k]) return false;
        if (k > from && slots[k].dataset.start !== slots[k - 1].dataset.end) return false;
      }
      return true;
    }
    function show(problem) {
      var last = end === null ? start : end;
      slots.forEach(function (slot, k) {
        if (!slot) return;
        var inside = start !== null && k >= start && k <= last;
        slot.classList.toggle("picked", inside);
        slot.setAttribute("aria-pressed", inside ? "true" : "false");
        var mark = slot.querySelector("[data-pick-mark]");
        if (mark) {
          mark.textContent =
            k === start ? text.textPickedStart : k === last && end !== null ? text.textPickedEnd : "";
        }
      });
      if (start === null) {
        box.hidden = true;
        announce.textContent = "";
        return;
      }
      var length = minutes(start, last);
      var values = {
        day: text.day,
        start: slots[start].dataset.from,
        end: slots[last].dataset.to,
        minutes: length,
        min: min,
        max: max,
      };
      var fits = length >= min && length <= max;
      var said = problem || "";
      if (!said && end === null) {
        said = fillText(length >= min ? text.textStart : text.textStartShort, values);
      }
      message.textContent = said;
      message.hidden = !said;
      summary.textContent = fits ? fillText(text.textRange, values) : "";
      summary.hidden = !fits;
      go.hidden = !fits;
      if (fits) {
        go.href =
          text.bookUrl +
          "?start=" +
          encodeURIComponent(slots[start].dataset.start) +
          "&minutes=" +
          length;
      }
      box.hidden = false;
      announce.textContent = [said, summary.textContent].join(" ");
    }
    function choose(k) {
      if (start === null || k < start) {
        start = k;
        end = null;
        return show();
      }
      if (k === start) {
        start = end = null; // a second tap on the start lets go of it
        return show();
      }
      var problem = null;
      if (!unbroken(start, k)) {
        problem = fillText(text.textGap, { start: slots[start].dataset.from, end: slots[k].dataset.to });
      } else if (minutes(start, k) > max) {
        problem = fillText(text.textTooLong, { max: max });
      } else if (minutes(start, k) < min) {
        problem = fillText(text.textTooShort, { min: min });
      }
      if (!problem) {
        end = k;
        return show();
      }
      if (end !== null) {
        start = k; // a chosen range and a tap that cannot end it: a new start
        end = null;
        return show();
      }
      show(problem);
    }
    slots.forEach(function (slot, k) {
      if (!slot) return;
      slot.setAttribute("role", "button");
      slot.setAttribute("aria-pressed", "false");
      slot.addEventListener("click", function (event) {
        event.preventDefault();
        choose(k);
      });
      slot.addEventListener("keydown", function (event) {
        if (event.key === " ") {
          event.preventDefault();
          choose(k);
        }
      });
    });
    clear.addEventListener("click", function () {
      start = end = null;
      show();
      if (slots.some(Boolean)) slots.filter(Boolean)[0].focus();
    });
    show(); // forget a choice a restored snapshot may still show
  }

  function setUpRoomPage(root) {
    root.querySelectorAll("[data-slot-picker]").forEach(setUpSlotPicker);
    showChosenChip(root);
  }
  setUpRoomPage(document);
  document.body.addEventListener("htmx:historyRestore", function () {
    setUpRoomPage(document);
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    setUpRoomPage(event.detail.target);
    // The chip or week link that was pressed is gone: give focus to the chosen day.
    if (!document.activeElement || document.activeElement === document.body) {
      var chosen = event.detail.target.querySelector("[data-date-chips] [aria-current]");
      if (chosen) chosen.focus({ preventScroll: true });
    }
  });

  // The booking form says when the booking starts and ends, and how long it is, as the start
  // and length change.
  document.querySelectorAll("[data-booking-summary]").forEach(function (box) {
    var form = box.closest("form");
    var start = form.querySelector("input[name=start]");
    var length = form.querySelector("select[name=duration]");
    if (!start || !length) return;
    var language = document.documentElement.lang || undefined;
    function two(n) {
      return (n < 10 ? "0" : "") + n;
    }
    function update() {
      var parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(start.value);
      var minutes = parseInt(length.value, 10);
      var fields = {
        start: box.querySelector("[data-summary-start]"),
        end: box.querySelector("[data-summary-end]"),
        length: box.querySelector("[data-summary-length]"),
      };
      if (!parts || !minutes) {
        fields.start.textContent = box.dataset.textNone;
        fields.end.textContent = fields.length.textContent = "–";
        return;
      }
      // Wall-clock arithmetic in UTC, so the phone's own time zone plays no part.
      var begins = Date.UTC(+parts[1], parts[2] - 1, +parts[3], +parts[4], +parts[5]);
      var ends = new Date(begins + minutes * 60000);
      var day;
      try {
        day = new Date(begins).toLocaleDateString(language, {
          timeZone: "UTC",
          month: "long",
          day: "numeric",
          weekday: "long",
        });
      } catch (error) {
        day = parts[1] + "-" + parts[2] + "-" + parts[3];
      }
      fields.start.textContent = day + " " + parts[4] + ":" + parts[5];
      fields.end.textContent = two(ends.getUTCHours()) + ":" + two(ends.getUTCMinutes());
      fields.length.textContent = fillText(box.dataset.textLength, { minutes: minutes });
    }
    start.addEventListener("input", update);
    start.addEventListener("change", update);
    length.addEventListener("change", update);
  });



  // --- Find a free room (search form and results) ---
  // Today / tomorrow / the day after as big buttons that fill in the date field: quicker than
  // a date picker on a phone. Without script they stay hidden and the field is there.
  document.querySelectorAll("[data-free-days]").forEach(function (chips) {
    var input = document.getElementById(chips.dataset.freeDays);
    if (!input) return;
    var buttons = chips.querySelectorAll("button[data-date]");
    function mark() {
      buttons.forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.dataset.date === input.value));
      });
    }
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        input.value = button.dataset.date;
        mark();
      });
    });
    input.addEventListener("change", mark);
    mark();
    chips.hidden = false;
  });



  // --- Staff day board (screen and A4 landscape print) ---



  // --- A home of one's own, compound pages, cards for my bookings / my activities, elder-friendly mode ---
  // An offered seat's deadline ("还剩 3 小时 20 分"), kept ticking; the server wrote the text
  // and the wording ({d} {h} {m}) in the reader's language, so without script it is only a
  // minute or so stale.
  var countdowns = document.querySelectorAll(".countdown[data-deadline]");
  function tick() {
    countdowns.forEach(function (el) {
      var deadline = Date.parse(el.dataset.deadline);
      if (isNaN(deadline)) return;
      var minutes = Math.floor((deadline - Date.now()) / 60000);
      var text;
      if (deadline <= Date.now()) {
        text = el.dataset.over;
      } else if (minutes >= 1440) {
        text = el.dataset.days.replace("{d}", Math.floor(minutes / 1440)).replace("{h}", Math.floor((minutes % 1440) / 60));
      } else if (minutes >= 60) {
        text = el.dataset.hours.replace("{h}", Math.floor(minutes / 60)).replace("{m}", minutes % 60);
      } else {
        text = el.dataset.minutes.replace("{m}", Math.max(minutes, 1));
      }
      if (el.textContent !== text) el.textContent = text;
    });
  }
  if (countdowns.length) {
    tick();
    window.setInterval(tick, 15000);
  }



  // --- Admin workbench (pending requests with the person, room calendar, closures over bookings) ---



  // --- Sign-in pages and accessibility fixes ---



  // --- Partners: application form and the applicant's page (issue 8) ---



  // --- Partners: the partner's portal, posting classes (issue 8) ---



  // --- Partners: revenue reports and the community fund (issue 8) ---



  // --- Partners: public partner pages, prices in the activity calendar, compliance (issue 8) ---


})();
