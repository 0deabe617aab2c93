// Site-wide behaviour without inline scripts (the CSP forbids them).
document.addEventListener("click", (event) => {
  // Buttons that need a second thought carry data-confirm="question".
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// An owner list that depends on a team choice (data-team-field names the team's input, data-owners the id of a
// JSON data island mapping each team to its people): choosing another team lists that team's people. Without the script the server refuses an
// owner from another team with a message and lists the chosen team's people.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!input.form || !input.name) {
    return;
  }
  for (const select of input.form.querySelectorAll("select[data-owners]")) {
    if (select.dataset.teamField === input.name) {
      // data-owners: the id of a JSON data island (a page's template), or the JSON itself (a form field's attribute)
      const island = document.getElementById(select.dataset.owners);
      const owners = JSON.parse(island ? island.textContent : select.dataset.owners)[input.value] || [];
      select.replaceChildren(...owners.map(([id, label]) => new Option(label, id)));
    }
  }
});
