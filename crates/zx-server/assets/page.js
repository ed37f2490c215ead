// What every page does, loaded from this server (the Content-Security-Policy allows no inline
// script): wide tables scroll in their own box, the menu button of narrow screens, selects that
// submit their form when changed, and the owner picker of a new measure.
"use strict";
// Wide tables scroll inside their own box, not the page: each table goes into a `.scroll` box
// (here, once, rather than in every template).
document.querySelectorAll("main table").forEach(function (table) {
  if (table.parentNode.classList.contains("scroll")) return;
  var box = document.createElement("div");
  box.className = "scroll";
  table.parentNode.insertBefore(box, table);
  box.appendChild(table);
});
// The menu button of narrow screens: opens and closes the menu (CSS hides the button elsewhere).
(function () {
  var button = document.getElementById("menu-toggle");
  if (!button) return;
  button.addEventListener("click", function () {
    var open = button.parentNode.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
// Only the accounts that could update a measure of the chosen unit are offered as owner.
(() => {
  const unit = document.getElementById('new-entity'), owner = document.getElementById('new-owner');
  if (!unit || !owner) return;
  const offer = () => {
    const allowed = (unit.selectedOptions[0]?.dataset.owners || '').split(' ');
    for (const o of owner.options) { o.disabled = o.hidden = !allowed.includes(o.value); }
    if (owner.selectedOptions[0]?.disabled) {
      const first = [...owner.options].find(o => !o.disabled);
      owner.value = first ? first.value : '';
    }
  };
  unit.addEventListener('change', offer);
  offer();
})();
// A select marked `data-autosubmit` submits its form when changed (the cockpit's ranking).
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
