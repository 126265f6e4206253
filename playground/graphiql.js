// Boots GraphiQL once its CDN files have loaded, with the playground's shared
// credentials; when they cannot load, says so and why instead of spinning.
"use strict";
(function () {
  const failed = [];
  // Capture phase: resource errors (offline, blocked by a CSP or a firewall,
  // integrity mismatch) do not bubble.
  window.addEventListener(
    "error",
    (event) => {
      const el = event.target;
      if (el && (el.tagName === "SCRIPT" || el.tagName === "LINK")) failed.push(el.src || el.href);
    },
    true,
  );

  function credentialHeaders() {
    let value = null;
    let kind = null;
    try {
      value = window.localStorage.getItem("ordergraph:credential");
      kind = window.localStorage.getItem("ordergraph:credential-kind");
    } catch (_) { /* no storage: no credentials */ }
    if (!value) return {};
    if (kind === "api-key") return { "X-API-Key": value };
    return { Authorization: /^(bearer|basic) /i.test(value) ? value : "Bearer " + value };
  }

  function explain() {
    const status = document.getElementById("graphiql-status");
    status.className = "error";
    status.textContent =
      "GraphiQL could not load its scripts from unpkg.com" +
      (failed.length ? " (" + failed.join(", ") + ")" : "") +
      ": this browser is offline, a firewall or Content-Security-Policy blocks the CDN, " +
      "or a file did not match its integrity hash. The playground at / works without any network.";
    const link = document.createElement("a");
    link.href = "/";
    link.textContent = "Open the playground";
    status.after(link);
  }

  window.addEventListener("load", () => {
    if (failed.length || typeof window.GraphiQL === "undefined" || typeof window.ReactDOM === "undefined") {
      explain();
      return;
    }
    const httpUrl = new URL("/graphql", window.location.href).toString();
    const fetcher = window.GraphiQL.createFetcher({
      url: httpUrl,
      subscriptionUrl: httpUrl.replace(/^http/, "ws") + "/ws",
      // The same credentials in every tab and over the WebSocket; a tab's own
      // headers still win.
      headers: credentialHeaders(),
      wsConnectionParams: credentialHeaders,
    });
    window.ReactDOM.createRoot(document.getElementById("graphiql")).render(
      window.React.createElement(window.GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
    );
  });
})();
