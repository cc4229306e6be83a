/* The findings page's filter: by severity, rule and destination, on the rows the page already
 * holds (without JavaScript the page lists everything, grouped by severity and rule, with links). */
(function () {
  "use strict";
  var form = document.querySelector(".findings-filter");
  if (!form) return;
  form.hidden = false;
  var status = form.querySelector(".ff-status");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-rule]"));

  function apply() {
    var severity = form.elements.severity.value, rule = form.elements.rule.value, district = form.elements.district.value;
    var n = 0;
    rows.forEach(function (tr) {
      var ok = (!severity || tr.getAttribute("data-severity") === severity) &&
        (!rule || tr.getAttribute("data-rule") === rule) &&
        (!district || tr.getAttribute("data-districts").split("|").indexOf(district) >= 0);
      tr.hidden = !ok;
      if (ok) n++;
    });
    var filtered = Boolean(severity || rule || district);
    document.querySelectorAll(".finding-rule").forEach(function (section) {
      section.hidden = !section.querySelector("tr[data-rule]:not([hidden])");
      if (filtered && !section.hidden) {  // the rows a filter picks are shown, not left folded
        section.querySelectorAll("details.rule-list").forEach(function (d) { d.open = true; });
      }
    });
    document.querySelectorAll(".severity-group").forEach(function (group) {
      group.hidden = !group.querySelector(".finding-rule:not([hidden])");
    });
    status.textContent = status.getAttribute("data-template").replace("{n}", n).replace("{total}", rows.length);
  }

  form.addEventListener("change", apply);
  apply();
})();
