// Small behaviours for the whole site. No inline scripts anywhere: the CSP forbids them.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A form marked data-once disables its submit buttons after the first submit (double clicks).
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });

  // The error summary takes the focus; its links move it to their field, with the field's label
  // in view (GOV.UK's pattern).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.querySelectorAll("a[data-error-field]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) { return; }
        event.preventDefault();
        var label = field.closest("fieldset, .mb-3") || field;
        label.scrollIntoView();
        field.focus({preventScroll: true});
      });
    });
  }

  document.querySelectorAll("input[type=file][data-max-file-bytes]").forEach(checkedFileField);
});

// A file field that checks sizes before anything is uploaded (with the server's own words, from
// data-too-large) and takes files dropped onto it; the plain file input stays usable throughout.
function checkedFileField(input) {
  var limit = Number(input.getAttribute("data-max-file-bytes"));
  var zone = input.closest(".mb-3") || input.parentNode;
  var messages = document.createElement("div");
  messages.id = input.id + "_browser_errors";
  messages.className = "invalid-feedback d-block";
  messages.setAttribute("aria-live", "polite");
  zone.appendChild(messages);
  var hint = document.createElement("div");
  hint.className = "form-text";
  hint.textContent = input.getAttribute("data-drop-hint");
  input.insertAdjacentElement("afterend", hint);
  zone.classList.add("file-drop");
  var describedBy = ((input.getAttribute("aria-describedby") || "") + " " + messages.id).trim();
  input.setAttribute("aria-describedby", describedBy);

  function setFiles(files) {
    var kept = new DataTransfer();
    var refused = [];
    files.forEach(function (file) {
      if (file.size > limit) {
        refused.push(input.getAttribute("data-too-large").replace("{name}", file.name));
      } else {
        kept.items.add(file);
      }
    });
    input.files = kept.files;
    messages.replaceChildren.apply(messages, refused.map(function (text) {
      var line = document.createElement("p");
      line.className = "mb-0";
      line.textContent = text;
      return line;
    }));
    input.setAttribute("aria-invalid", refused.length ? "true" : "false");
  }

  input.addEventListener("change", function () { setFiles(Array.from(input.files)); });
  zone.addEventListener("dragover", function (event) {
    event.preventDefault();
    zone.classList.add("file-drop-over");
  });
  zone.addEventListener("dragleave", function () { zone.classList.remove("file-drop-over"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("file-drop-over");
    setFiles(Array.from(input.files).concat(Array.from(event.dataTransfer.files)));
  });
}
