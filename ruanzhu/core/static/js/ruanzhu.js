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

// Upload boxes (forms marked data-upload): a file picked by clicking the box or dropped on it uploads at once,
// with a preview and a progress bar. A refusal (400) answers with the whole box and its message, which takes
// the place of the box as a success does. Without script the form's own 上传 button does the same.
document.documentElement.classList.add("js");

function uploadSlot(element) {
  const slot = element instanceof Element ? element.closest(".upload-slot") : null;
  return slot && slot.querySelector("form[data-upload]") ? slot : null;
}

function showPreview(slot, file) {
  const box = slot.querySelector(".upload-preview");
  if (!box) return;
  const preview = file.type.startsWith("image/") ? document.createElement("img") : document.createElement("span");
  if (preview.tagName === "IMG") {
    preview.src = URL.createObjectURL(file);
    preview.alt = "";
  } else {
    preview.className = "pdf-badge";
    preview.textContent = (file.name.split(".").pop() || "").toUpperCase();
  }
  box.replaceChildren(preview);
}

document.addEventListener("change", (event) => {
  const input = event.target;
  const slot = uploadSlot(input);
  if (!slot || input.type !== "file" || !input.files.length) return;
  showPreview(slot, input.files[0]);
  // A file picked before htmx has set the page up must still go by htmx: a plain submit would leave the page
  // and lose what was typed in the step's own form.
  if (window.htmx) window.htmx.process(input.form);
  input.form.requestSubmit();
});

document.addEventListener("htmx:beforeRequest", (event) => {
  const slot = uploadSlot(event.detail.elt);
  if (!slot) return;
  slot.setAttribute("aria-busy", "true");
  const bar = slot.querySelector(".upload-progress");
  if (bar) bar.hidden = false;
});

document.addEventListener("htmx:xhr:progress", (event) => {
  const slot = uploadSlot(event.target);
  const bar = slot && slot.querySelector(".upload-progress");
  if (bar && event.detail.lengthComputable && event.detail.total) {
    bar.value = Math.round((100 * event.detail.loaded) / event.detail.total);
    bar.textContent = `${bar.value}%`;
  }
});

document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 400 && uploadSlot(event.detail.requestConfig.elt)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

for (const type of ["dragenter", "dragover"]) {
  document.addEventListener(type, (event) => {
    const slot = uploadSlot(event.target);
    if (!slot) return;
    event.preventDefault();
    slot.classList.add("dragging");
  });
}
document.addEventListener("dragleave", (event) => {
  const slot = uploadSlot(event.target);
  if (slot && !slot.contains(event.relatedTarget)) slot.classList.remove("dragging");
});
document.addEventListener("drop", (event) => {
  const slot = uploadSlot(event.target);
  if (!slot || !event.dataTransfer || !event.dataTransfer.files.length) return;
  event.preventDefault();
  slot.classList.remove("dragging");
  const input = slot.querySelector("form[data-upload] input[type=file]");
  input.files = event.dataTransfer.files;
  input.dispatchEvent(new Event("change", {bubbles: true}));
});
