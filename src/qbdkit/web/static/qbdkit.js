/* qbdkit web: behaviour through data-* attributes only (the CSP allows no inline script).
 *  - every htmx request carries the CSRF token from <meta name="csrf-token">
 *  - <form data-confirm="text"> asks before submitting
 *  - <select data-autosubmit> submits its form on change
 *  - <details class="usermenu"> closes when clicking elsewhere
 */
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrf();
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var text = form.getAttribute && form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { e.preventDefault(); }
  }, true);
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.requestSubmit(); }
  });
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (d) {
      if (!d.contains(e.target)) { d.removeAttribute("open"); }
    });
  });
  window.qbdkit = { csrf: csrf };
})();
