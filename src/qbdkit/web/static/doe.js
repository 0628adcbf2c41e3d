/* qbdkit DoE pages (no inline script; behaviour from data-* attributes):
 *  - the design wizard: the unit-operation select enables that operation's factor rows
 *  - [data-profile-url]: the prediction profiler; sliders POST the settings, Plotly redraws
 *  - [data-figure-url]: fetch a Plotly figure (JSON) and draw it
 *  - [data-job-url]: poll a background job, fill the progress bar, go to the result when done
 */
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  function problemText(body, status) {
    if (body && body.message) { return body.message; }
    return "HTTP " + status;
  }
  function fetchJson(url, options) {
    return fetch(url, Object.assign({credentials: "same-origin"}, options || {})).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { throw new Error(problemText(body, r.status)); }
        return body;
      });
    });
  }
  function showError(id, err) {
    var box = document.getElementById(id);
    if (!box) { return; }
    if (err) { box.textContent = err.message || String(err); box.hidden = false; }
    else { box.textContent = ""; box.hidden = true; }
  }
  var plotConfig = {responsive: true, displaylogo: false};

  /* design wizard */
  function wizard() {
    var select = document.getElementById("unit_operation");
    if (!select) { return; }
    function sync() {
      document.querySelectorAll("table.factors").forEach(function (table) {
        var on = table.getAttribute("data-uo") === select.value;
        table.hidden = !on;
        table.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.disabled = !on; });
      });
    }
    select.addEventListener("change", sync);
    sync();
  }

  /* figures */
  function figures() {
    document.querySelectorAll("[data-figure-url]").forEach(function (el) {
      fetchJson(el.getAttribute("data-figure-url")).then(function (body) {
        var key = el.getAttribute("data-figure-key");
        var fig = key ? body[key] : body;
        window.Plotly.newPlot(el, fig.data, fig.layout, plotConfig);
        el.setAttribute("data-drawn", "1");
      }).catch(function (err) { showError("plot-error", err); });
    });
  }

  /* prediction profiler */
  function fmt(v) {
    if (v === null || v === undefined) { return ""; }
    return Number(v).toPrecision(5).replace(/\.?0+$/, "");
  }
  function profiler() {
    var root = document.querySelector("[data-profile-url]");
    if (!root) { return; }
    var url = root.getAttribute("data-profile-url");
    var plot = document.getElementById("profiler-plot");
    var sliders = root.querySelectorAll("input[type=range][data-factor]");
    var pending = null, busy = false, again = false;
    function request() {
      var settings = {};
      sliders.forEach(function (s) { settings[s.getAttribute("data-factor")] = Number(s.value); });
      var goals = (document.getElementById("goals").value || "").split("\n")
        .map(function (g) { return g.trim(); }).filter(Boolean);
      return {settings: settings, goals: goals, points: 41,
              interval: document.getElementById("interval").value};
    }
    function draw(body) {
      var fig = body.figure, prof = body.profile;
      window.Plotly.react(plot, fig.data, fig.layout, plotConfig);
      var tbody = document.querySelector("#current tbody");
      tbody.textContent = "";
      prof.responses.forEach(function (name) {
        var c = prof.current[name], tr = document.createElement("tr");
        [name, fmt(c.mean), fmt(c.lower), fmt(c.upper), fmt(c.desirability)].forEach(function (v, i) {
          var td = document.createElement("td");
          td.textContent = v;
          if (i > 0) { td.className = "num"; }
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      document.getElementById("overall-d").textContent =
        prof.desirability === null || prof.desirability === undefined ? "" : "D = " + fmt(prof.desirability);
      plot.setAttribute("data-settings", JSON.stringify(prof.settings));
    }
    function update() {
      if (busy) { again = true; return; }
      busy = true;
      fetchJson(url, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
                      body: JSON.stringify(request())})
        .then(function (body) { showError("profiler-error", null); draw(body); })
        .catch(function (err) { showError("profiler-error", err); })
        .then(function () { busy = false; if (again) { again = false; update(); } });
    }
    sliders.forEach(function (s) {
      var out = s.parentNode.querySelector("output");
      s.addEventListener("input", function () {
        if (out) { out.textContent = fmt(s.value); }
        clearTimeout(pending);
        pending = setTimeout(update, 120);
      });
      s.addEventListener("change", function () { clearTimeout(pending); update(); });
    });
    document.getElementById("interval").addEventListener("change", update);
    document.getElementById("apply-goals").addEventListener("click", update);
    update();
  }

  /* background job */
  function job() {
    var root = document.querySelector("[data-job-url]");
    if (!root) { return; }
    var url = root.getAttribute("data-job-url");
    var bar = document.getElementById("job-progress");
    var labels = {};
    try { labels = JSON.parse(root.getAttribute("data-labels") || "{}"); } catch (e) { labels = {}; }
    function poll() {
      fetchJson(url).then(function (st) {
        bar.value = st.fraction;
        document.getElementById("job-state").textContent = labels[st.state] || st.state;
        document.getElementById("job-percent").textContent = Math.round(100 * st.fraction) + " %";
        root.setAttribute("data-state", st.state);
        if (st.state === "failed") {
          showError("job-error", new Error(st.error || st.message));
          return;
        }
        if (st.state === "done") {
          document.getElementById("job-done").hidden = false;
          return;
        }
        setTimeout(poll, 1000);
      }).catch(function (err) { showError("job-error", err); setTimeout(poll, 3000); });
    }
    poll();
  }

  function start() { wizard(); figures(); profiler(); job(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
