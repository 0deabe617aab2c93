// The pipeline board: drag a card to the next stage (or press its button); the move goes to the server, which
// applies the entry page's rules. A refused move leaves the card where it was and says why.
(() => {
  const board = document.querySelector("[data-move-url]");
  if (!board) return;
  const dialog = document.getElementById("move-dialog");
  const alertBox = document.getElementById("board-alert");
  const live = document.getElementById("board-live");
  const labels = {};
  document.getElementById("move-labels").content.querySelectorAll("span").forEach((s) => {
    labels[s.dataset.state] = { label: s.textContent, move: s.dataset.move };
  });
  const csrf = dialog.querySelector("[name=csrf_token]").value;
  let dragged = null;

  function say(text) {
    live.textContent = text;
  }

  function refuse(answer) {
    alertBox.textContent = answer.error;
    if (answer.link) {
      const a = document.createElement("a");
      a.href = answer.link;
      a.className = "alert-link ms-2";
      a.textContent = answer.link_text;
      alertBox.append(a);
    }
    alertBox.classList.remove("d-none");
    say(answer.error);
  }

  function total(column, delta) {
    const badge = column.querySelector("[data-testid=column-total]");
    badge.textContent = String(Number(badge.textContent) + delta);
  }

  function moved(card, answer) {
    const from = card.closest("[data-column]");
    const to = board.querySelector(`[data-column="${answer.state}"]`);
    card.dataset.state = answer.state;
    card.dataset.version = answer.version;
    card.dataset.next = answer.next_state || "";
    card.dataset.needs = (answer.needs || []).join(",");
    const button = card.querySelector(".kanban-move");
    if (answer.next_state) {
      button.dataset.target = answer.next_state;
      button.textContent = labels[answer.next_state].move;
    } else {
      button.remove();
      card.removeAttribute("draggable");
    }
    const days = card.querySelector("[data-testid=days]");
    if (days) days.textContent = days.dataset.zero || days.textContent.replace(/\d+/, "0");
    if (to) {
      to.querySelector(".kanban-cards").prepend(card);
      total(to, 1);
    }
    total(from, -1);
    alertBox.classList.add("d-none");
    say(answer.message);
    card.querySelector("a").focus();
  }

  async function send(card, target, fields) {
    const body = new FormData();
    body.set("csrf_token", csrf);
    body.set("entry_id", card.dataset.entry);
    body.set("target", target);
    body.set("version", card.dataset.version);
    for (const [name, value] of Object.entries(fields || {})) body.set(name, value);
    let answer;
    try {
      const response = await fetch(board.dataset.moveUrl, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        credentials: "same-origin",
      });
      answer = await response.json();
    } catch (error) {
      answer = { ok: false, error: alertBox.dataset.offline || String(error) };
    }
    return answer;
  }

  function ask(card, target, needs) {
    // The dialog shows the fields the stage needs; it answers with them, or null when cancelled.
    return new Promise((resolve) => {
      dialog.querySelector("#move-title").textContent = labels[target].move;
      dialog.querySelectorAll("[data-field]").forEach((wrap) => {
        wrap.hidden = !needs.includes(wrap.dataset.field);
      });
      const error = dialog.querySelector("[data-testid=move-error]");
      error.classList.add("d-none");
      const form = dialog.querySelector("form");
      const submit = async (event) => {
        event.preventDefault();
        if (event.submitter && event.submitter.value === "cancel") {
          dialog.close();
          form.removeEventListener("submit", submit);
          resolve(null);
          return;
        }
        const fields = {};
        needs.forEach((name) => (fields[name] = form.elements[name].value));
        const answer = await send(card, target, fields);
        if (answer.ok) {
          dialog.close();
          form.removeEventListener("submit", submit);
          resolve(answer);
        } else {
          error.textContent = answer.error;
          error.classList.remove("d-none");
        }
      };
      form.addEventListener("submit", submit);
      dialog.addEventListener("close", () => form.removeEventListener("submit", submit), { once: true });
      dialog.showModal();
      const first = dialog.querySelector("[data-field]:not([hidden]) input");
      (first || dialog.querySelector("[value=move]")).focus();
    });
  }

  async function move(card, target) {
    if (!target || target === card.dataset.state) return;
    const needs = target === card.dataset.next && card.dataset.needs ? card.dataset.needs.split(",") : [];
    const answer = needs.length ? await ask(card, target, needs) : await send(card, target, {});
    if (!answer) return; // cancelled: the card stays
    if (answer.ok) moved(card, answer);
    else refuse(answer);
  }

  board.addEventListener("click", (event) => {
    const button = event.target.closest(".kanban-move");
    if (!button) return;
    event.preventDefault();
    move(button.closest("[data-entry]"), button.dataset.target);
  });
  board.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("[data-entry]");
    if (!dragged) return;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.entry);
    dragged.classList.add("dragging");
  });
  board.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".drop-here").forEach((c) => c.classList.remove("drop-here"));
  });
  board.querySelectorAll("[data-droppable]").forEach((column) => {
    column.addEventListener("dragover", (event) => {
      if (!dragged) return;
      event.preventDefault();
      column.classList.add("drop-here");
    });
    column.addEventListener("dragleave", () => column.classList.remove("drop-here"));
    column.addEventListener("drop", (event) => {
      event.preventDefault();
      column.classList.remove("drop-here");
      const card = dragged;
      dragged = null;
      if (card) move(card, column.dataset.column);
    });
  });
})();
