/* Interactive plots without inline script (CSP script-src 'self'): every element with a
   data-plotly attribute holds a Plotly figure as JSON ({"data": [...], "layout": {...}}),
   drawn here with the Plotly.js the package serves (/static/vendor/plotly.min.js). */
(function () {
  "use strict";
  function draw(root) {
    if (typeof Plotly === "undefined") { return; }
    (root || document).querySelectorAll("[data-plotly]").forEach(function (el) {
      if (el.dataset.plotted) { return; }
      var fig;
      try { fig = JSON.parse(el.getAttribute("data-plotly")); } catch (e) { return; }
      var layout = Object.assign({autosize: true, font: {family: "inherit"}}, fig.layout || {});
      Plotly.newPlot(el, fig.data || [], layout,
                     {displaylogo: false, responsive: true}).then(function () {
        el.dataset.plotted = "1";
        el.classList.add("plotted");
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { draw(evt.target); });
})();
