// Working the desk from the keyboard: the first field of a form has focus, and single-key shortcuts for the
// frequent actions, listed on the "?" overlay (web/_shortcuts.html). Every page works without this file.
(() => {
  "use strict";

  const FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  const visible = (el) => !!(el && (el.offsetWidth || el.offsetHeight || el.getClientRects().length));

  // Forms that are not "the page's form": the header's, searches and filters (GET), the bulk bar.
  const skipped = (form) => form.closest("header") || form.id === "bulk-form" || form.getAttribute("role") === "search"
    || (form.getAttribute("method") || "get").toLowerCase() === "get" || form.hasAttribute("data-no-autofocus");

  function firstField(container) {
    const wrong = container.querySelector(".has-error " + FIELDS.split(", ").join(", .has-error "));
    if (wrong && visible(wrong)) return wrong;
    return Array.from(container.querySelectorAll(FIELDS)).find(visible) || null;
  }

  function focusFirstField() {
    if (document.activeElement && document.activeElement !== document.body) return;
    if (document.querySelector("[autofocus]")) return;
    if (document.querySelector("dialog[open], dialog[data-modal]")) return; // a modal focuses its own field
    for (const form of document.querySelectorAll("main form")) {
      // a call page's actions are for reading first: an action's field gets focus once it is opened
      if (skipped(form) || form.closest("details.action")) continue;
      const field = firstField(form);
      if (field) { field.focus(); return; }
    }
  }

  // An action of the call page opened by the analyst (click or shortcut): its first field gets focus.
  let interacted = false;
  for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, () => { interacted = true; }, true);
  document.addEventListener("toggle", (event) => {
    const details = event.target;
    if (interacted && details.tagName === "DETAILS" && details.open && details.classList.contains("action")) {
      const field = firstField(details);
      if (field) field.focus();
    }
  }, true);

  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

  let pending = "";      // the "g" of a two-key shortcut
  let pendingTimer = null;
  let current = -1;      // the row j/k moved to

  const overlay = () => document.getElementById("shortcuts");
  const rows = () => Array.from(document.querySelectorAll("main tr[data-row]"));

  function go(url) { if (url) window.location.assign(url); }

  function moveRow(step) {
    const all = rows();
    if (!all.length) return;
    if (current >= 0 && all[current]) all[current].classList.remove("current-row");
    current = Math.max(0, Math.min(all.length - 1, current + step));
    const row = all[current];
    row.classList.add("current-row");
    row.setAttribute("aria-selected", "true");
    row.scrollIntoView({ block: "nearest" });
  }

  function currentRow() { return current >= 0 ? rows()[current] : null; }

  function openAction(name) {
    const details = document.getElementById("action-" + name);
    if (!details) return false;
    details.open = true;
    details.scrollIntoView({ block: "nearest" });
    const field = firstField(details);
    if (field) field.focus(); else { const button = details.querySelector("button[type=submit]"); if (button) button.focus(); }
    return true;
  }

  function showOverlay() {
    const dialog = overlay();
    if (!dialog || dialog.open) return;
    if (typeof dialog.showModal === "function") dialog.showModal(); else dialog.setAttribute("open", "");
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    const dialog = overlay();
    if (dialog && dialog.open) return; // Esc closes it (the browser's own dialog handling)
    const key = event.key;
    const data = dialog ? dialog.dataset : {};
    if (pending === "g") {
      pending = "";
      clearTimeout(pendingTimer);
      if (key === "o") { event.preventDefault(); go(data.outstanding || "/"); }
      else if (key === "c") { event.preventDefault(); go(data.calls || "/calls/"); }
      return;
    }
    switch (key) {
      case "?": event.preventDefault(); showOverlay(); break;
      case "/": {
        const search = document.getElementById("header-search");
        if (search) { event.preventDefault(); search.focus(); if (search.select) search.select(); }
        break;
      }
      case "g": pending = "g"; pendingTimer = setTimeout(() => { pending = ""; }, 1500); break;
      case "n": if (data.log) { event.preventDefault(); go(data.log); } break;
      case "r": if (openAction("resolve")) event.preventDefault(); break;
      case "c": if (openAction("close")) event.preventDefault(); break;
      case "t": if (openAction("take")) event.preventDefault(); break;
      case "e": if (data.call) { event.preventDefault(); go("/calls/" + encodeURIComponent(data.call) + "/edit/"); } break;
      case "j": event.preventDefault(); moveRow(1); break;
      case "k": event.preventDefault(); moveRow(-1); break;
      case "x": {
        const row = currentRow();
        const box = row && row.querySelector("input[type=checkbox]");
        if (box) { event.preventDefault(); box.click(); }
        break;
      }
      case "Enter": {
        const row = currentRow();
        const link = row && (row.querySelector("a[data-open]") || row.querySelector("a[href]"));
        if (link && (event.target === document.body || event.target === document.documentElement
                     || event.target.id === "main")) { event.preventDefault(); link.click(); }
        break;
      }
      default: break;
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusFirstField);
  else focusFirstField();
})();
