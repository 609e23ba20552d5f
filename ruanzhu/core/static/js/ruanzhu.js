// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("htmx:afterRequest", (event) => {
  // Show the server's message (e.g. "发送过于频繁") for refused htmx requests instead of swallowing it.
  const xhr = event.detail.xhr;
  if (!event.detail.successful && xhr && xhr.status < 500 && event.detail.target) {
    event.detail.target.innerHTML = xhr.responseText;
  }
});
