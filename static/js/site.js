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


})();
