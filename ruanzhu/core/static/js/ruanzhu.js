// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("htmx:afterRequest", (event) => {
  // Show the server's message (e.g. "发送过于频繁") for refused htmx requests instead of swallowing it.
  const xhr = event.detail.xhr;
  if (!event.detail.successful && xhr && xhr.status < 500 && event.detail.target) {
    event.detail.target.innerHTML = xhr.responseText;
  }
});

// Review pages: zoom and rotate an ID image in place.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const figure = button.closest(".review-image");
  const frame = figure && figure.querySelector(".zoomable");
  const image = frame && frame.querySelector("img");
  if (!image) return;
  if (button.dataset.action === "zoom") {
    frame.classList.toggle("zoomed");
  } else if (button.dataset.action === "rotate") {
    const angle = (Number(image.dataset.rotate || 0) + 90) % 360;
    image.dataset.rotate = String(angle);
    image.style.transform = `rotate(${angle}deg)`;
  }
});

// Filing wizard: show a conditional field only when it applies (data-show-when="<field>=<value>").
// The server decides what is required; hidden fields are simply not needed.
function applyShowWhen() {
  document.querySelectorAll("[data-show-when]").forEach((element) => {
    const [name, value] = element.dataset.showWhen.split("=");
    const inputs = document.querySelectorAll(`[name="${name}"]`);
    let shown = false;
    inputs.forEach((input) => {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked && input.value === value) shown = true;
      } else if (input.value === value) {
        shown = true;
      }
    });
    element.hidden = !shown;
  });
}
document.addEventListener("DOMContentLoaded", applyShowWhen);
document.addEventListener("change", (event) => {
  if (event.target.closest("[data-conditional]")) applyShowWhen();
});

// Ask before a destructive action (删除草稿, 撤回).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm]");
  // A form the browser will refuse (an unticked checklist …) shows its own message first; ask only then.
  if (!button || (button.form && !button.form.checkValidity())) return;
  if (!window.confirm(button.dataset.confirm)) event.preventDefault();
});

// A table that scrolls sideways (on a phone) takes the keyboard focus, so that it can be scrolled without a mouse.
function focusScrollingTables() {
  document.querySelectorAll("table").forEach((table) => {
    if (table.scrollWidth > table.clientWidth + 1) {
      table.tabIndex = 0;
    } else {
      table.removeAttribute("tabindex");
    }
  });
}
document.addEventListener("DOMContentLoaded", focusScrollingTables);
window.addEventListener("resize", focusScrollingTables);
document.addEventListener("htmx:afterSettle", focusScrollingTables);
