// The app's one way to the server: /api/v1 with the session cookie, the
// CSRF token on every state-changing request, errors as ApiError.

let csrf = null;
let onLoggedOut = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    // ExtraHop's `detail`/`error_message`, Sonar's `error_msg`, the connectors
    // API's (Kibana's shape) `message`.
    const msg =
      (body && (body.detail || body.error_message || body.error_msg || body.message)) || `HTTP ${status}`;
    super(msg);
    this.status = status;
    this.field = body && body.field;
    this.code = body && body.error_code;
  }
}

/** An error as one line naming its field (once: the server's detail may start with it). */
export function describeError(e) {
  const msg = e.message || String(e);
  return e.field && !msg.startsWith(e.field) ? `${e.field}: ${msg}` : msg;
}

export function setSession(session) {
  csrf = session ? session.csrf_token : null;
}

export function whenLoggedOut(f) {
  onLoggedOut = f;
}

async function call(method, path, body, raw) {
  const headers = { Accept: "application/json" };
  if (raw) headers["Content-Type"] = raw.type || "application/octet-stream";
  else if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrf) headers["X-CSRF-Token"] = csrf;
  const resp = await fetch(path, {
    method,
    headers,
    body: raw ? raw : body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!resp.ok) {
    if (resp.status === 401 && !path.startsWith("/app/login")) onLoggedOut();
    throw new ApiError(resp.status, data);
  }
  return data;
}

/** /api/v1 operations. */
export const api = {
  get: (path) => call("GET", "/api/v1" + path),
  post: (path, body) => call("POST", "/api/v1" + path, body ?? {}),
  patch: (path, body) => call("PATCH", "/api/v1" + path, body),
  put: (path, body) => call("PUT", "/api/v1" + path, body),
  del: (path) => call("DELETE", "/api/v1" + path),
};

/** Internal tickets: the Logpresso Sonar routes (/api/sonar), same session
 * and CSRF token; errors are `{error_code, error_msg}`. */
export const sonar = {
  get: (path) => call("GET", "/api/sonar" + path),
  post: (path, body) => call("POST", "/api/sonar" + path, body ?? {}),
  patch: (path, body) => call("PATCH", "/api/sonar" + path, body),
  del: (path) => call("DELETE", "/api/sonar" + path),
  /** A file as the request body (its type as Content-Type), e.g. an attachment. */
  upload: (path, file) => call("POST", "/api/sonar" + path, undefined, file),
};

/** The connectors API (`/api/actions/...`, Kibana's shape). */
export const actions = {
  get: (path) => call("GET", "/api/actions" + path),
  post: (path, body) => call("POST", "/api/actions" + path, body ?? {}),
};

/** The app's own session routes. */
export const session = {
  current: () => call("GET", "/app/session"),
  login: (username, password) => call("POST", "/app/login", { username, password }),
  logout: () => call("POST", "/app/logout", {}),
  /** The enabled SAML identity providers: [{id, name, login_url}]. */
  providers: () => call("GET", "/saml/providers"),
};
