// The site's few scripts; every page works without them.

// A button with data-copies="<id>" copies that field's value. It is hidden in
// the HTML and shown only where the Clipboard API exists (it needs HTTPS):
// elsewhere the field alone is there, to select and copy by hand.
for (const button of document.querySelectorAll("button[data-copies]")) {
  const field = document.getElementById(button.dataset.copies);
  const status = button.parentElement.querySelector("[role=status]");
  if (!field || !status || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied.";
    } catch {
      field.select();
      status.textContent = "Press Ctrl+C (⌘C) to copy.";
    }
  });
}
