// The Records page (#/records?types=&range=&addr=&port=&filter=&limit=): a
// query over the record filter grammar of POST /records/search (record
// types, a time range, quick address and port fields and a JSON filter
// editor whose errors the server names), the results in a table whose
// columns are the fields the records carry (a flow's sender and an HTTP
// transaction's client share one column when both are shown), a sort by
// any field of the chosen types, cursor paging (POST
// /records/cursor), and a CSV download built here from the fetched pages
// (at most CSV_MAX records).

import { h, replace, nav } from "./dom.js";
import { api, describeError } from "./api.js";
import { noAccess } from "./devices.js";

/** Most records one CSV download holds (it says so when there were more). */
export const CSV_MAX = 10000;
const CSV_PAGE = 1000;
/** Record types offered when the server has no GET /records/formats. */
const KNOWN_TYPES = ["~flow", "~dns_request", "~dns_response", "~http", "~ssl_open", "~ftp"];
const RANGES = [
  ["all", "All time", null], ["1h", "Last hour", 3600e3], ["24h", "Last 24 hours", 86400e3],
  ["7d", "Last 7 days", 7 * 86400e3], ["30d", "Last 30 days", 30 * 86400e3], ["custom", "Custom…", null],
];
const SIZES = ["25", "100", "500", "1000"];
const CURSOR_TTL = "10m";
/**
 * Fields that are one thing under two names: `~flow` records name their
 * ends sender and receiver, the others client and server. When both names
 * are on a page they share a column (headed by both); the first name also
 * sorts both (the server reads it as the other's alias).
 */
const MERGED = [
  ["clientAddr", "senderAddr", "Client / sender"],
  ["clientPort", "senderPort", "Client / sender port"],
  ["serverAddr", "receiverAddr", "Server / receiver"],
  ["serverPort", "receiverPort", "Server / receiver port"],
  ["clientBytes", "senderBytes", "Client / sender bytes"],
  ["serverBytes", "receiverBytes", "Server / receiver bytes"],
  ["clientPkts", "senderPkts", "Client / sender packets"],
  ["serverPkts", "receiverPkts", "Server / receiver packets"],
];
const MERGED_LABEL = new Map(MERGED.map(([a, , l]) => [a, l]));
const ALIAS_OF = new Map(MERGED.map(([a, b]) => [b, a]));

let formats;

async function loadFormats() {
  if (formats === undefined) {
    try {
      formats = await api.get("/records/formats");
    } catch {
      formats = null;
    }
  }
  return formats;
}

function list(v) {
  return (v || "").split(",").map((x) => x.trim()).filter(Boolean);
}

/** The search body of the page's parameters; throws an error naming the field at fault. */
function searchOf(p) {
  const body = {};
  const types = list(p.get("types"));
  if (types.length) body.types = types;
  const range = p.get("range") || "all";
  const r = RANGES.find((x) => x[0] === range);
  if (r && r[2]) {
    body.from = Date.now() - r[2];
  } else if (range === "custom") {
    const f = Date.parse(p.get("from") || "");
    const u = Date.parse(p.get("until") || "");
    if (!Number.isNaN(f)) body.from = f;
    if (!Number.isNaN(u)) body.until = u;
  }
  const rules = [];
  const addr = (p.get("addr") || "").trim();
  if (addr) rules.push({ field: ".ipaddr", operator: "=", operand: addr });
  const port = (p.get("port") || "").trim();
  if (port) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      throw Object.assign(new Error("must be a number from 0 to 65535"), { field: "port" });
    }
    rules.push({ field: ".port", operator: "=", operand: n });
  }
  const raw = (p.get("filter") || "").trim();
  if (raw) {
    try {
      rules.push(JSON.parse(raw));
    } catch (e) {
      throw Object.assign(new Error(`is not JSON: ${e.message}`), { field: "filter" });
    }
  }
  if (rules.length === 1) body.filter = rules[0];
  else if (rules.length > 1) body.filter = { operator: "and", rules };
  const sort = (p.get("sort") || "").trim();
  if (sort) body.sort = [{ field: sort, direction: p.get("dir") === "asc" ? "asc" : "desc" }];
  else if (p.get("dir") === "asc") body.sort = [{ field: "timestamp", direction: "asc" }];
  return body;
}

/** The sort choices for the chosen types (all when none): [field, label], merged pairs once. */
function sortChoices(fmts, chosen) {
  const seen = new Map();
  for (const f of fmts || []) {
    if (chosen.size && !chosen.has(f.name)) continue;
    for (const x of f.fields) {
      if (x.data_type === "array" || x.data_type === "any" || x.name === "timestamp") continue;
      const name = ALIAS_OF.get(x.name) || x.name;
      if (!seen.has(name)) seen.set(name, MERGED_LABEL.get(name) || x.display_name);
    }
  }
  return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
}

function queryForm(p, types, fmts) {
  const chosen = new Set(list(p.get("types")));
  const range = p.get("range") || "all";
  const field = (id, text, input) => h("div", { class: "field" }, h("label", { for: id }, text), input);
  const custom = h("div", { class: "custom-range", hidden: range !== "custom" },
    field("r-from", "From", h("input", { id: "r-from", name: "from", type: "datetime-local", value: p.get("from") || "" })),
    field("r-until", "Until", h("input", { id: "r-until", name: "until", type: "datetime-local", value: p.get("until") || "" })));
  const filter = h("textarea", { id: "r-filter", name: "filter", rows: 8, spellcheck: "false", class: "code",
    placeholder: '{"field": "serverPort", "operator": "=", "operand": 443}' });
  filter.value = p.get("filter") || "";
  return h("form", { class: "filters", "aria-label": "Record query", onsubmit: (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    const next = new URLSearchParams();
    const t = data.getAll("types");
    if (t.length) next.set("types", t.join(","));
    for (const k of ["range", "addr", "port", "filter", "limit", "sort", "dir"]) {
      const v = (data.get(k) || "").toString().trim();
      if (v) next.set(k, v);
    }
    if (data.get("range") === "custom") {
      for (const k of ["from", "until"]) if (data.get(k)) next.set(k, data.get(k));
    }
    next.set("t", Date.now().toString(36));
    location.hash = "#/records?" + next.toString();
  } },
    h("fieldset", {}, h("legend", {}, "Record types (none: all)"),
      types.map(([v, t]) => h("label", { class: "check" },
        h("input", { type: "checkbox", name: "types", value: v, checked: chosen.has(v) }), " ", t))),
    field("r-range", "Time range", h("select", { id: "r-range", name: "range", onchange: (e) => { custom.hidden = e.target.value !== "custom"; } },
      RANGES.map(([v, t]) => h("option", { value: v, selected: range === v }, t)))),
    custom,
    field("r-addr", "Address (any role; CIDR allowed)", h("input", { id: "r-addr", name: "addr", value: p.get("addr") || "", autocomplete: "off" })),
    field("r-port", "Port (any role)", h("input", { id: "r-port", name: "port", inputmode: "numeric", value: p.get("port") || "", autocomplete: "off" })),
    field("r-filter", "Filter (JSON, the record filter grammar)", filter),
    field("r-sort", "Sort by", h("select", { id: "r-sort", name: "sort" },
      h("option", { value: "" }, "Time"),
      sortChoices(fmts, chosen).map(([v, t]) => h("option", { value: v, selected: p.get("sort") === v }, `${t} (${v})`)))),
    field("r-dir", "Order", h("select", { id: "r-dir", name: "dir" },
      h("option", { value: "desc" }, "Descending (newest, largest first)"),
      h("option", { value: "asc", selected: p.get("dir") === "asc" }, "Ascending"))),
    field("r-limit", "Page size", h("select", { id: "r-limit", name: "limit" },
      SIZES.map((v) => h("option", { value: v, selected: (p.get("limit") || "100") === v }, v)))),
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary", id: "r-run" }, "Run query"),
      h("a", { href: "#/records", class: "button quiet" }, "Clear")));
}

/** A field's value as text: typed addresses and devices by their value, lists joined. */
export function text(v) {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.map(text).join(", ");
  if (typeof v === "object") {
    if ("value" in v && Object.keys(v).every((k) => k === "type" || k === "value")) return text(v.value);
    return JSON.stringify(v);
  }
  return String(v);
}

/** The columns of some records: timestamp and type first, then the formats' order, then the rest. */
function columns(records, fmts) {
  const seen = new Set();
  for (const r of records) for (const k of Object.keys(r._source || {})) seen.add(k);
  const order = ["timestamp"];
  for (const t of new Set(records.map((r) => r._type))) {
    const f = fmts && fmts.find((x) => x.name === t || x.id === t);
    if (f) order.push(...f.fields.map((x) => x.name));
  }
  const cols = [];
  for (const k of [...order, ...[...seen].sort()]) {
    if (seen.has(k) && !cols.includes(k)) cols.push(k);
  }
  // Both names of one thing on the page: one column, where the first was.
  for (const [a, b] of MERGED) {
    if (cols.includes(a) && cols.includes(b)) {
      const i = Math.min(cols.indexOf(a), cols.indexOf(b));
      const other = cols[i] === a ? b : a;
      cols[i] = [a, b];
      cols.splice(cols.indexOf(other), 1);
    }
  }
  return cols;
}

/** A column's value in a record: the one of its names the record has. */
function valueOf(src, col) {
  return Array.isArray(col) ? (col[0] in src ? src[col[0]] : src[col[1]]) : src[col];
}

function header(col) {
  return Array.isArray(col) ? MERGED_LABEL.get(col[0]) : col;
}

function describe(fmts, col) {
  if (Array.isArray(col)) return col.map((c) => describe(fmts, c)).join("\n");
  const name = col;
  for (const f of fmts || []) {
    const x = f.fields.find((y) => y.name === name);
    if (x) return `${x.display_name}: ${x.description}`;
  }
  return name;
}

/** One CSV cell (RFC 4180); text a spreadsheet would run as a formula is prefixed with '. */
function cell(v) {
  let t = text(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(t)) t = "'" + t;
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** CSV of records: `_type`, then the columns; `timestamp` as ISO 8601 UTC. */
export function csv(records, fmts) {
  const cols = columns(records, fmts);
  const rows = [["_type", ...cols.map((c) => cell(Array.isArray(c) ? c.join("/") : c))].join(",")];
  for (const r of records) {
    const src = r._source || {};
    rows.push([cell(r._type), ...cols.map((k) => (k === "timestamp" && typeof src[k] === "number"
      ? new Date(src[k]).toISOString() : cell(valueOf(src, k))))].join(","));
  }
  return rows.join("\r\n") + "\r\n";
}

function save(name, content) {
  const url = URL.createObjectURL(new Blob([content], { type: "text/csv;charset=utf-8" }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function resultsTable(records, fmts) {
  const cols = columns(records, fmts);
  return h("div", { class: "scroll" }, h("table", { class: "list records", id: "record-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Type"),
      cols.map((c) => h("th", { scope: "col", title: describe(fmts, c), dataset: { field: Array.isArray(c) ? c.join(" ") : c } }, header(c))))),
    h("tbody", {}, records.map((r) => h("tr", { dataset: { id: r._id } },
      h("td", { class: "nowrap" }, r._type),
      cols.map((c) => {
        const v = valueOf(r._source || {}, c);
        if (c === "timestamp" && typeof v === "number") {
          return h("td", { class: "nowrap" }, h("time", { title: String(v) }, new Date(v).toLocaleString()));
        }
        const shown = text(v);
        return h("td", { title: shown.length > 40 ? shown : null }, shown);
      }))))));
}

export async function recordsPage(main, p) {
  document.title = "Records · wirewatch";
  const gen = nav.gen;
  const fmts = await loadFormats();
  const types = fmts && fmts.length
    ? fmts.map((f) => [f.name, `${f.display_name} (${f.name})`])
    : KNOWN_TYPES.map((t) => [t, t]);
  const limit = SIZES.includes(p.get("limit")) ? Number(p.get("limit")) : 100;
  const form = queryForm(p, types, fmts);
  const error = h("p", { class: "error", role: "alert", id: "r-error", hidden: true });
  const results = h("section", { class: "content", "aria-label": "Results" });
  let body;
  let first;
  try {
    body = searchOf(p);
    first = await api.post("/records/search", { ...body, limit, context_ttl: CURSOR_TTL });
  } catch (e) {
    if (e.status === 403 || e.status === 401) {
      if (gen === nav.gen) noAccess(main, "records");
      return;
    }
    if (gen !== nav.gen) return;
    error.hidden = false;
    replace(error, describeError(e));
  }
  if (gen !== nav.gen) return;
  replace(main, h("div", { class: "detections records-page" }, form,
    h("section", { class: "content" },
      h("div", { class: "summary" }, h("h1", {}, "Records"), h("span", { class: "count", id: "count" })),
      error, results)));
  if (!first) return;
  // Pages fetched so far: the cursor only goes forward, earlier ones are kept.
  const pages = [first.records];
  let at = 0;
  let cursor = first.cursor;
  const total = first.total;
  replace(document.getElementById("count"), `${total} ${total === 1 ? "record" : "records"}`);
  const download = h("button", { type: "button", id: "r-csv" }, "Download CSV");
  download.addEventListener("click", async () => {
    download.disabled = true;
    try {
      const all = [];
      let page = await api.post("/records/search", { ...body, limit: CSV_PAGE, context_ttl: CURSOR_TTL });
      all.push(...page.records);
      while (page.records.length && all.length < Math.min(page.total, CSV_MAX) && page.cursor) {
        replace(download, `Fetching… ${all.length}`);
        page = await api.post("/records/cursor", { cursor: page.cursor });
        all.push(...page.records);
      }
      const kept = all.slice(0, CSV_MAX);
      save(`wirewatch-records-${new Date().toISOString().replace(/[:.]/g, "-")}.csv`, csv(kept, fmts));
      replace(note, first.total > kept.length ? `The CSV holds the first ${kept.length} of ${first.total} records (at most ${CSV_MAX}).` : `The CSV holds all ${kept.length} records.`);
    } catch (e) {
      replace(note, e.message);
    } finally {
      download.disabled = false;
      replace(download, "Download CSV");
    }
  });
  const note = h("span", { class: "muted small", id: "r-csv-note" }, `At most ${CSV_MAX} records, fetched by this page.`);
  const draw = () => {
    const recs = pages[at];
    const start = limit * at;
    const more = start + recs.length < total;
    const prev = h("button", { type: "button", class: "quiet", id: "r-prev", disabled: at === 0, onclick: () => { at -= 1; draw(); } }, "← Previous");
    const next = h("button", { type: "button", class: "quiet", id: "r-next", disabled: !more, onclick: async () => {
      if (at + 1 < pages.length) {
        at += 1;
        return draw();
      }
      next.disabled = true;
      try {
        const page = await api.post("/records/cursor", { cursor, context_ttl: CURSOR_TTL });
        cursor = page.cursor || cursor;
        if (page.records.length) {
          pages.push(page.records);
          at += 1;
        }
        draw();
      } catch (e) {
        replace(error, e.status === 404 ? "The cursor has expired: run the query again." : e.message);
        error.hidden = false;
        next.disabled = false;
      }
    } }, "Next →");
    replace(results,
      h("div", { class: "bulk" }, download, note),
      recs.length ? resultsTable(recs, fmts) : h("p", { class: "empty" }, "No record matches this query."),
      h("nav", { class: "pager", "aria-label": "Pages" }, prev,
        h("span", { id: "r-range-shown" }, recs.length ? `${start + 1}–${start + recs.length} of ${total}` : `0 of ${total}`), next));
  };
  draw();
}
