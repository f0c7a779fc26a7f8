// pkimm workspace: a little help on top of plain forms (everything works
// without it). The justification becomes required for a level set by hand,
// the reason for "not applicable", so the browser says so before a round
// trip; the server checks both again.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("decide");
  if (!form) return;
  const justification = document.getElementById("justification");
  const reason = document.getElementById("reason");
  const level = document.getElementById("level");
  const update = () => {
    const action = (form.querySelector("input[name=action]:checked") || {}).value;
    justification.required = action === "level";
    reason.required = action === "not_applicable";
    level.disabled = action !== "level";
  };
  form.addEventListener("change", update);
  update();
});
