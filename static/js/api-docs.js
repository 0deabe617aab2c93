// Renders /api/v1/openapi.json with the vendored Swagger UI (no inline script: the page runs under a strict CSP).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    // "Try it out" sends the token typed under "Authorize"; the browser's session cookie is not accepted.
    persistAuthorization: false,
    withCredentials: false,
    validatorUrl: null,
  });
})();
