// The ordergraph playground: saved operations as tabs, one set of credentials
// for all of them (and for the WebSocket), queries and mutations over HTTP,
// subscriptions over graphql-transport-ws. Plain browser JavaScript with no
// dependencies, served from the binary: it works offline and under a CSP of
// `script-src 'self'`.
"use strict";

const httpUrl = new URL("/graphql", window.location.href).toString();
const wsUrl = httpUrl.replace(/^http/, "ws") + "/ws";

const monthAgo = new Date(Date.now() - 30 * 864e5).toISOString().slice(0, 10);

// Saved example operations, one tab each. Every one can run as often as you
// like; none depends on data another created.
const EXAMPLES = [
  {
    id: "statuses",
    title: "Statuses (no token needed)",
    query: `# The order workflow: every status and what may follow it.
query Statuses {
  orderStatuses { status label active terminal next }
}
`,
  },
  {
    id: "viewer",
    title: "Who am I",
    query: `query Viewer {
  viewer { role subject }
}
`,
  },
  {
    id: "place-order",
    title: "Place an order",
    query: `# Totals are computed from the lines (price × quantity, discount, VAT).
# Run it as often as you like: each run places a new order. A reference
# (e.g. your PO number) may be used once per source: give one to make
# repeats CONFLICT, or send an idempotencyKey to make a retry safe.
mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id number status currency
    lines { name quantity price vatPercentage totalBeforeVat totalVat totalAfterVat }
    totals { totalBeforeVat totalVat grossTotal }
  }
}
`,
    variables: {
      input: {
        customerEmail: "jan@example.com",
        customerName: "Jan de Vries",
        currency: "EUR",
        lines: [
          { name: "Coffee Beans", quantity: "5", price: "9.50", vatPercentage: "7.25" },
          { name: "Box of boxes", quantity: "2", price: "3.00", vatPercentage: "20" },
        ],
        shippingAddress: { name: "Jan de Vries", address1: "Damrak 1", city: "Amsterdam", postalCode: "1012LG", country: "NL" },
      },
    },
  },
  {
    id: "orders",
    title: "List with filters",
    query: `# Active orders of the last month, biggest first, 20 a page.
query Orders($filter: OrderFilter, $after: String) {
  orders(filter: $filter, orderBy: [{ field: GROSS_TOTAL, direction: DESC }], first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id number status customerEmail totals { grossTotal } submittedAt }
  }
}
`,
    variables: { filter: { activeOnly: true, dateFrom: monthAgo } },
  },
  {
    id: "emails",
    title: "E-mails (kept without SMTP)",
    query: `# Every e-mail the server sent or, without SMTP_URL, rendered and kept.
# notify: true on orderAction, setOrderTracking or addOrderMessage makes one.
query Emails {
  deliveries(filter: { channel: EMAIL }, first: 20) {
    nodes {
      id state reason recipient template dueAt sentAt
      email { subject textBody }
      order { number }
    }
  }
}
`,
  },
  {
    id: "webhook",
    title: "Register a webhook",
    query: `# The secret is shown only here: verify signatures with any Standard
# Webhooks library. Receivers on private addresses need WEBHOOK_ALLOW_PRIVATE.
mutation Webhook($input: WebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    secret
    endpoint { id url kinds active }
  }
}
`,
    variables: { input: { url: "https://example.com/hooks/orders", kinds: ["CREATED", "STATUS_CHANGED"] } },
  },
  {
    id: "automations",
    title: "Automations",
    query: `# Rules: when an event happens, send a template and/or call a webhook,
# after a delay. The review request (seed 004) is ready to switch on.
query Automations {
  automationRules { id name active kinds template delaySeconds unlessStatuses }
  emailTemplates { kind subject isDefault }
}
`,
  },
  {
    id: "watch",
    title: "Watch status changes",
    query: `# Live: runs over the WebSocket until you press Stop.
subscription WatchStatus {
  orderStatusChanged {
    eventId fromStatus toStatus note changedAt
    order { id number status }
  }
}
`,
  },
];

const $ = (id) => document.getElementById(id);
const store = {
  get(key) {
    try { return window.localStorage.getItem("ordergraph:" + key); } catch (_) { return null; }
  },
  set(key, value) {
    try {
      if (value === null) window.localStorage.removeItem("ordergraph:" + key);
      else window.localStorage.setItem("ordergraph:" + key, value);
    } catch (_) { /* private mode: nothing is remembered, everything still works */ }
  },
};

let active = EXAMPLES[0];
let socket = null;

function savedTab(example) {
  const raw = store.get("tab:" + example.id);
  if (raw) {
    try { return JSON.parse(raw); } catch (_) { /* fall back to the example */ }
  }
  return {
    query: example.query,
    variables: example.variables ? JSON.stringify(example.variables, null, 2) : "",
  };
}

function saveActive() {
  store.set("tab:" + active.id, JSON.stringify({ query: $("query").value, variables: $("variables").value }));
}

function select(example, initial) {
  if (socket) stop();
  if (!initial) saveActive();
  active = example;
  const tab = savedTab(example);
  $("query").value = tab.query;
  $("variables").value = tab.variables;
  store.set("active-tab", example.id);
  for (const button of $("tabs").children) {
    button.setAttribute("aria-selected", String(button.dataset.tab === example.id));
  }
  setStatus("ready");
  $("result").textContent = "";
}

// One credential for every tab and the WebSocket: the header it becomes.
function credentialHeaders() {
  const value = $("credential").value.trim();
  if (!value) return {};
  if ($("credential-kind").value === "api-key") return { "X-API-Key": value };
  return { Authorization: /^(bearer|basic) /i.test(value) ? value : "Bearer " + value };
}

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").classList.toggle("error", Boolean(isError));
}

function show(value) {
  $("result").textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function readVariables() {
  const raw = $("variables").value.trim();
  if (!raw) return {};
  const parsed = JSON.parse(raw);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("the variables must be a JSON object");
  }
  return parsed;
}

// The operation's type, from its first keyword after comments.
function operationType(query) {
  const body = query.replace(/#[^\n]*/g, "").trim();
  const match = /^(query|mutation|subscription)\b/.exec(body);
  return match ? match[1] : "query";
}

async function run() {
  saveActive();
  let variables;
  try {
    variables = readVariables();
  } catch (e) {
    setStatus("Variables: " + e.message, true);
    return;
  }
  const query = $("query").value;
  if (operationType(query) === "subscription") {
    subscribe(query, variables);
    return;
  }
  setStatus("running…");
  const started = performance.now();
  try {
    const response = await fetch(httpUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        ...credentialHeaders(),
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    let body;
    try { body = JSON.parse(text); } catch (_) { body = text; }
    show(body);
    const ms = Math.round(performance.now() - started);
    const errors = body && Array.isArray(body.errors) ? body.errors : [];
    const codes = errors.map((e) => (e.extensions && e.extensions.code) || "ERROR");
    setStatus(
      `HTTP ${response.status} in ${ms} ms` + (codes.length ? ": " + codes.join(", ") : ""),
      codes.length > 0 || !response.ok,
    );
  } catch (e) {
    setStatus("The server did not answer: " + e.message, true);
  }
}

// graphql-transport-ws, the protocol graphql-ws clients speak.
function subscribe(query, variables) {
  if (socket) stop();
  const events = [];
  const ws = new WebSocket(wsUrl, "graphql-transport-ws");
  socket = ws;
  $("stop").disabled = false;
  $("result").dataset.events = "0";
  show("");
  setStatus("connecting…");
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: "connection_init", payload: credentialHeaders() }));
  };
  ws.onmessage = (message) => {
    let msg;
    try { msg = JSON.parse(message.data); } catch (_) { return; }
    if (msg.type === "connection_ack") {
      ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
      setStatus("subscribed: waiting for events (change an order in another tab)");
    } else if (msg.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
    } else if (msg.type === "next") {
      events.push(msg.payload);
      $("result").dataset.events = String(events.length);
      show(events.map((e) => JSON.stringify(e, null, 2)).join("\n\n"));
      setStatus(`${events.length} event(s); still listening`);
    } else if (msg.type === "error") {
      show(msg.payload);
      setStatus("The subscription was refused", true);
    } else if (msg.type === "complete") {
      setStatus(`ended by the server after ${events.length} event(s)`);
    }
  };
  ws.onclose = (close) => {
    if (socket !== ws) return;
    socket = null;
    $("stop").disabled = true;
    if (close.code === 4403) setStatus("WebSocket closed: the credentials were refused (4403)", true);
    else if (close.code !== 1000) setStatus(`WebSocket closed (${close.code}${close.reason ? ": " + close.reason : ""})`, close.code !== 1001);
  };
}

function stop() {
  const ws = socket;
  socket = null;
  $("stop").disabled = true;
  if (ws) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: "1", type: "complete" }));
    ws.close(1000);
    setStatus("stopped");
  }
}

function start() {
  for (const example of EXAMPLES) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.tab = example.id;
    button.textContent = example.title;
    button.addEventListener("click", () => select(example));
    $("tabs").appendChild(button);
  }
  // Credentials: what this browser saved, else the dev token the server put
  // in the page (only for a caller on the server's own machine).
  const kind = store.get("credential-kind");
  if (kind) $("credential-kind").value = kind;
  const saved = store.get("credential");
  const devToken = document.querySelector('meta[name="ordergraph-dev-token"]');
  if (saved) {
    $("credential").value = saved;
  } else if (devToken) {
    $("credential").value = devToken.content;
    $("credential-kind").value = "bearer";
    $("credential-note").textContent = "dev admin token filled in";
  }
  $("credential").addEventListener("input", () => {
    store.set("credential", $("credential").value.trim() || null);
    $("credential-note").textContent = "";
  });
  $("credential-kind").addEventListener("change", () => store.set("credential-kind", $("credential-kind").value));
  $("forget").addEventListener("click", () => {
    store.set("credential", null);
    store.set("credential-kind", null);
    $("credential").value = "";
    $("credential-note").textContent = "forgotten";
  });
  $("run").addEventListener("click", run);
  $("stop").addEventListener("click", stop);
  $("reset").addEventListener("click", () => {
    store.set("tab:" + active.id, null);
    const tab = savedTab(active);
    $("query").value = tab.query;
    $("variables").value = tab.variables;
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });
  const first = EXAMPLES.find((e) => e.id === store.get("active-tab")) || EXAMPLES[0];
  active = first;
  select(first, true);
  document.body.dataset.ready = "true";
}

start();
