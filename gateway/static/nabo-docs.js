// Starts Swagger UI on the API page. Signing in through "POST /v1/auth/token" (Try it out) authorizes the
// page with the token it returns, as pasting that token under "Authorize" would.
"use strict";
(function () {
  var SIGN_IN_PATH = "/v1/auth/token";

  function signedIn(response) {
    var path = new URL(response.url, window.location.href).pathname;
    if (path === SIGN_IN_PATH && response.ok && response.body && response.body.access_token) {
      window.ui.preauthorizeApiKey("bearer", response.body.access_token);
    }
    return response;
  }

  window.addEventListener("load", function () {
    window.ui = SwaggerUIBundle({
      url: "/v1/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      displayRequestDuration: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      responseInterceptor: signedIn,
    });
  });
})();
