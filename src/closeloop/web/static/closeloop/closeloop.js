// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // The change-reason prompt opens as a modal dialog, so focus stays inside it until saved or cancelled.
  const dialog = document.querySelector("dialog[data-modal]");
  if (dialog && typeof dialog.showModal === "function") {
    dialog.close();
    dialog.showModal();
    const field = dialog.querySelector("textarea, input:not([type=hidden])");
    if (field) field.focus();
  }
});

// Forms that take something away (deactivate an analyst, remove a member) ask first.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
});
