// A small GraphQL client: HTTP POST for queries and mutations, and the graphql-transport-ws
// protocol (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md) for subscriptions.
// The API key lives in sessionStorage and travels as a Bearer header and in connection_init.

const KEY_STORAGE = "ringscope.apiKey";
const AUTH_CODES = new Set(["UNAUTHENTICATED", "UNAUTHORIZED", "FORBIDDEN"]);

export class GraphQLError extends Error {
  constructor(message, { errors = [], status = 0, unauthorized = false, forbidden = false } = {}) {
    super(message);
    this.errors = errors;
    this.status = status;
    this.unauthorized = unauthorized;
    this.forbidden = forbidden;
  }
}

function isAuthError(errors) {
  return errors.some((e) => {
    const code = String(e?.extensions?.code ?? "").toUpperCase();
    return AUTH_CODES.has(code) || /unauthori[sz]ed|api key|not authenticated/i.test(e?.message ?? "");
  });
}

export class GraphQLClient {
  constructor(endpoint = "/graphql") {
    this.endpoint = endpoint;
    this.onUnauthorized = () => {};
    this.onStatus = () => {};
    this.ws = null;
    this.wsState = "closed";
    this.subs = new Map();
    this.nextId = 1;
    this.retry = 0;
    this.retryTimer = null;
  }

  get apiKey() {
    return sessionStorage.getItem(KEY_STORAGE) || "";
  }

  set apiKey(value) {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
    this.restartSocket();
  }

  async request(query, variables = {}) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    let response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST", headers, body: JSON.stringify({ query, variables }),
      });
    } catch (err) {
      throw new GraphQLError(`API unreachable: ${err.message}`);
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    const errors = body?.errors ?? [];
    // A valid key whose role may not do this: say so where it happened, no sign-in prompt.
    if (errors.length && errors.every((e) => String(e?.extensions?.code ?? "").toUpperCase() === "FORBIDDEN")) {
      throw new GraphQLError(errors.map((e) => e.message).join("; "), { errors, status: response.status, forbidden: true });
    }
    const unauthorized = response.status === 401 || response.status === 403 || isAuthError(errors);
    if (unauthorized) {
      this.onUnauthorized();
      throw new GraphQLError("API key required", { errors, status: response.status, unauthorized });
    }
    if (!response.ok && !body?.data) {
      throw new GraphQLError(`API answered ${response.status}`, { errors, status: response.status });
    }
    if (errors.length && !body?.data) {
      throw new GraphQLError(errors.map((e) => e.message).join("; "), { errors });
    }
    if (errors.length) console.warn("GraphQL partial errors", errors);
    return body.data;
  }

  // Returns a function that ends the subscription.
  subscribe(query, variables, { next, error } = {}) {
    const id = String(this.nextId++);
    this.subs.set(id, { query, variables, next, error });
    if (this.wsState === "ready") this.sendSubscribe(id);
    else this.openSocket();
    return () => {
      this.subs.delete(id);
      if (this.wsState === "ready") this.send({ id, type: "complete" });
    };
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  sendSubscribe(id) {
    const sub = this.subs.get(id);
    if (sub) this.send({ id, type: "subscribe", payload: { query: sub.query, variables: sub.variables } });
  }

  setState(state) {
    this.wsState = state;
    this.onStatus(state);
  }

  openSocket() {
    if (this.ws || this.retryTimer) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}${this.endpoint}`, "graphql-transport-ws");
    this.ws = ws;
    this.setState("connecting");
    ws.addEventListener("open", () => {
      const payload = this.apiKey ? { Authorization: `Bearer ${this.apiKey}`, apiKey: this.apiKey } : {};
      this.send({ type: "connection_init", payload });
    });
    ws.addEventListener("message", (event) => this.onMessage(event));
    ws.addEventListener("close", (event) => this.onClose(ws, event));
  }

  onMessage(event) {
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    const sub = msg.id ? this.subs.get(msg.id) : null;
    switch (msg.type) {
      case "connection_ack":
        this.retry = 0;
        this.setState("ready");
        for (const id of this.subs.keys()) this.sendSubscribe(id);
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "next":
        if (sub?.next && msg.payload?.data) sub.next(msg.payload.data);
        if (msg.payload?.errors?.length) sub?.error?.(msg.payload.errors);
        break;
      case "error":
        if (isAuthError(msg.payload ?? [])) this.onUnauthorized();
        sub?.error?.(msg.payload);
        break;
      default:
        break;
    }
  }

  onClose(ws, event) {
    if (this.ws !== ws) return;
    this.ws = null;
    this.setState("closed");
    if (event.code === 4401 || event.code === 4403) {
      this.onUnauthorized();
      return;
    }
    if (!this.subs.size) return;
    const delay = Math.min(10000, 500 * 2 ** this.retry++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.openSocket();
    }, delay);
  }

  restartSocket() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "restart");
    this.retry = 0;
    if (this.subs.size) this.openSocket();
  }
}
