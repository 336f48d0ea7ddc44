// The listing page works without JavaScript (the quote form is a GET that re-renders the
// page). With it, changing the dates or the party fetches the price breakdown from
// /listings/{id}/quote and swaps it in, and the address follows, so reload and share keep it.
// Experiences reload the page instead: the sessions offered depend on the day chosen.
(function () {
  "use strict";
  var form = document.getElementById("quote-form");
  var target = document.getElementById("quote");
  if (!form || !target) { return; }
  var pending = null;
  var timer = null;

  function params() {
    var data = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && value !== "") { data.append(name, value); }
    });
    return data;
  }

  function ready(data) {
    if (!data.get("check_in")) { return false; }
    return form.dataset.kind === "experience" || Boolean(data.get("check_out"));
  }

  function refresh() {
    var data = params();
    if (!ready(data)) { return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    target.setAttribute("aria-busy", "true");
    fetch(form.dataset.quoteUrl + "?" + data.toString(), {
      headers: { "Accept": "text/html" },
      credentials: "same-origin",
      signal: pending.signal
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      target.innerHTML = html;  // the server's own escaped template
      target.removeAttribute("aria-busy");
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", form.getAttribute("action") + "?" + data.toString());
      }
    }).catch(function (error) {
      if (error.name !== "AbortError") {
        target.removeAttribute("aria-busy");
        form.submit();  // fall back to the page itself
      }
    });
  }

  // The form arrives with suggested dates: show their price at once, as a person would ask.
  if (form.dataset.kind !== "experience" && !target.querySelector("table.quote, [role=alert]")) {
    refresh();
  }

  form.addEventListener("change", function (event) {
    if (form.dataset.kind === "experience" && event.target.name === "check_in") {
      form.submit();
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });
  form.addEventListener("submit", function (event) {
    // Without both dates the page itself says what is missing, beside the fields.
    if (form.dataset.kind === "experience" || !ready(params())) { return; }
    event.preventDefault();
    refresh();
  });
})();
