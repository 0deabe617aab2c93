// Site-wide behaviour without inline scripts (the CSP forbids them).
document.addEventListener("click", (event) => {
  // Buttons that need a second thought carry data-confirm="question".
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
