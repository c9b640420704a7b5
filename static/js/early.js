// What must happen before the page is first painted, so loaded in <head> without defer: the
// colour mode (the visitor's choice, remembered in localStorage, else the system's
// prefers-color-scheme: Bootstrap's data-bs-theme) and the "js" class that CSS uses to tell
// whether scripts run. No inline scripts anywhere: the CSP forbids them.
"use strict";
(function () {
  var root = document.documentElement;
  var systemDark = window.matchMedia("(prefers-color-scheme: dark)");
  var KEY = "theme";

  function chosen() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : "auto";
    } catch (error) {
      return "auto";  // storage refused (private mode, cookies blocked): follow the system
    }
  }

  function remember(value) {
    try {
      if (value === "auto") { window.localStorage.removeItem(KEY); } else { window.localStorage.setItem(KEY, value); }
    } catch (error) { /* not remembered: it still applies to this page */ }
  }

  function apply() {
    var mode = chosen();
    root.setAttribute("data-bs-theme", mode === "auto" ? (systemDark.matches ? "dark" : "light") : mode);
    document.querySelectorAll("[data-theme-value]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-theme-value") === mode));
    });
  }

  root.classList.add("js");
  apply();
  systemDark.addEventListener("change", apply);
  window.addEventListener("storage", function (event) { if (event.key === KEY) { apply(); } });  // other tabs
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-theme-value]").forEach(function (button) {
      button.addEventListener("click", function () {
        remember(button.getAttribute("data-theme-value"));
        apply();
      });
    });
    apply();
  });
})();
