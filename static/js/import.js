// Import upload with a progress bar: the file is sent with XMLHttpRequest so the upload's progress can be shown,
// then the browser follows to the page the server answered with (the dry run, or the form with its error).
(function () {
  "use strict";
  const form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");

  function say(key) {
    status.textContent = status.dataset[key] || "";
    status.classList.remove("d-none");
  }

  form.addEventListener("submit", function (event) {
    if (!form.checkValidity()) {
      return;
    }
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    bar.classList.remove("d-none");
    bar.value = 0;
    say("uploading");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round((e.loaded / e.total) * 100);
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value"); // indeterminate while the server checks the rows
      say("checking");
    });
    xhr.addEventListener("load", function () {
      let next = null;
      if ((xhr.getResponseHeader("Content-Type") || "").indexOf("application/json") === 0) {
        try {
          next = JSON.parse(xhr.responseText).location;
        } catch (e) {
          next = null;
        }
      }
      if (next && next.charAt(0) === "/" && next.charAt(1) !== "/") {
        window.location.assign(next); // the dry run is rendered once, by this navigation
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      bar.classList.add("d-none");
      say("failed");
    });
    xhr.send(new FormData(form));
  });
})();
