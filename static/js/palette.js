// The command palette: Ctrl/⌘+K (or the top bar's search button) opens a dialog whose combobox searches what the
// user may open (GET data-search-url, scoped on the server) and the actions the current page declares with
// data-palette-action (its own links and buttons: running one clicks it). Arrow keys choose, Enter opens, Esc
// closes and gives the focus back.
(() => {
  const root = document.getElementById("palette");
  if (!root) return;
  const input = document.getElementById("palette-input");
  const list = document.getElementById("palette-list");
  const status = document.getElementById("palette-status");
  const openers = document.querySelectorAll("[data-palette-open]");
  let items = [];
  let active = -1;
  let returnTo = null;
  let timer = null;
  let controller = null;
  let searching = false; // a search for the text typed is on its way
  let enterWaiting = false; // Enter was pressed before its results came: run the first one when they do

  const pageActions = () =>
    [...document.querySelectorAll("[data-palette-action]")]
      .filter((el) => !root.contains(el))
      .map((el) => ({
        kind: "action",
        kind_label: root.dataset.actionLabel,
        label: (el.dataset.paletteAction || el.textContent).replace(/\s+/g, " ").trim(),
        detail: "",
        element: el,
      }))
      .filter((a) => a.label);

  function render(results) {
    items = results;
    list.replaceChildren(
      ...results.map((item, i) => {
        const li = document.createElement("li");
        li.id = `palette-option-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.kind = item.kind;
        const kind = document.createElement("span");
        kind.className = "palette-kind";
        kind.textContent = item.kind_label;
        const label = document.createElement("span");
        label.className = "palette-label";
        label.textContent = item.label;
        li.append(kind, label);
        if (item.detail) {
          const detail = document.createElement("span");
          detail.className = "palette-detail";
          detail.textContent = item.detail;
          li.append(detail);
        }
        li.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus in the box
        li.addEventListener("click", () => run(i));
        return li;
      })
    );
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
    status.textContent = results.length ? root.dataset.count.replace("{n}", results.length) : root.dataset.empty;
    choose(results.length ? 0 : -1);
  }

  function choose(index) {
    const options = list.children;
    if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
    active = index;
    if (active >= 0 && options[active]) {
      options[active].setAttribute("aria-selected", "true");
      options[active].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", options[active].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function run(index) {
    const item = items[index];
    if (!item) return;
    close(false);
    if (item.element) {
      item.element.focus();
      item.element.click();
    } else {
      window.location.assign(item.url);
    }
  }

  function search() {
    timer = null;
    searching = true;
    const q = input.value.trim();
    const needle = q.toLowerCase();
    const actions = pageActions().filter((a) => !needle || a.label.toLowerCase().includes(needle));
    if (controller) controller.abort();
    controller = new AbortController();
    const url = `${root.dataset.searchUrl}?q=${encodeURIComponent(q)}`;
    fetch(url, { signal: controller.signal, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((data) => {
        if (input.value.trim() !== q) return;
        searching = false;
        render([...actions, ...data.results]);
        if (enterWaiting) {
          enterWaiting = false;
          run(active);
        }
      })
      .catch((error) => {
        if (error.name === "AbortError") return;
        searching = false;
        enterWaiting = false;
        render(actions);
        status.textContent = root.dataset.failed;
      });
  }

  function open() {
    if (!root.hidden) return;
    returnTo = document.activeElement;
    root.hidden = false;
    openers.forEach((b) => b.setAttribute("aria-expanded", "true"));
    input.value = "";
    input.focus();
    search();
  }

  function close(restore = true) {
    if (root.hidden) return;
    root.hidden = true;
    enterWaiting = false;
    openers.forEach((b) => b.setAttribute("aria-expanded", "false"));
    input.setAttribute("aria-expanded", "false");
    if (restore && returnTo && typeof returnTo.focus === "function") returnTo.focus();
  }

  openers.forEach((button) => {
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", open);
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      if (root.hidden) open();
      else close();
    }
  });
  root.addEventListener("click", (event) => {
    if (event.target === root) close();
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    searching = true;
    timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (items.length) choose((active + 1) % items.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (items.length) choose((active - 1 + items.length) % items.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (timer) {
        clearTimeout(timer);
        search();
      }
      if (searching) enterWaiting = true;
      else run(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Tab") {
      event.preventDefault(); // the dialog's one control keeps the focus (aria-modal)
    }
  });
})();
