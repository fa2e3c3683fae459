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



  // --- Staff day board (screen and A4 landscape print) ---



  // --- A home of one's own, compound pages, cards for my bookings / my activities, elder-friendly mode ---



  // --- Admin workbench (pending requests with the person, room calendar, closures over bookings) ---



  // --- Sign-in pages and accessibility fixes ---


})();
