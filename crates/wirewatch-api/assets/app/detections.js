// The Detections page: filters (in the URL, so a view can be shared),
// sorting, paging, the count and the detections-over-time chart, the list,
// and bulk actions on a selection. Everything is asked of the server
// (POST /detections/search); nothing is filtered in the browser.

import { h, replace, short, label, riskBand, toast, external, nav } from "./dom.js";
import { api } from "./api.js";
import { histogram } from "./chart.js";
import { ticketing, isTicketGuid } from "./tickets.js";
import { noAccess } from "./devices.js";

const PAGE_SIZE = 50;
const RANGES = [
  ["1h", "Last hour", 3600e3], ["6h", "Last 6 hours", 6 * 3600e3], ["24h", "Last 24 hours", 86400e3],
  ["7d", "Last 7 days", 7 * 86400e3], ["30d", "Last 30 days", 30 * 86400e3], ["all", "All time", null],
  ["custom", "Custom…", null],
];
const STATUSES = [[".none", "Open"], ["new", "New"], ["in_progress", "In progress"], ["acknowledged", "Acknowledged"], ["closed", "Closed"]];
const SORTS = [
  ["time", "Time (newest first)", [{ field: "start_time", direction: "desc" }]],
  ["risk", "Risk (highest first)", [{ field: "risk_score", direction: "desc" }, { field: "start_time", direction: "desc" }]],
  ["status", "Ticket status", [{ field: "status", direction: "asc" }, { field: "risk_score", direction: "desc" }]],
  ["assignee", "Assignee", [{ field: "assignee", direction: "asc" }, { field: "risk_score", direction: "desc" }]],
  ["updated", "Last updated", [{ field: "update_time", direction: "desc" }]],
];

let formats = null;

async function loadFormats() {
  if (!formats) {
    try {
      formats = await api.get("/detections/formats");
    } catch {
      formats = [];
    }
  }
  return formats;
}

function list(v) {
  return (v || "").split(",").map((x) => x.trim()).filter(Boolean);
}

/** The time window of the parameters: {from, until} in ms (null: open). */
function window_(p) {
  const range = p.get("range") || "all";
  const now = Date.now();
  if (range === "custom") {
    const f = Date.parse(p.get("from") || "");
    const u = Date.parse(p.get("until") || "");
    return { from: Number.isNaN(f) ? null : f, until: Number.isNaN(u) ? null : u };
  }
  const r = RANGES.find((x) => x[0] === range);
  return r && r[2] ? { from: now - r[2], until: now } : { from: null, until: null };
}

/** The search body of the page's parameters (without paging). */
export function searchOf(p) {
  const filter = {};
  const status = list(p.get("status"));
  if (status.length) filter.status = status;
  if (p.get("category")) filter.categories = [p.get("category")];
  if (p.get("type")) filter.types = [p.get("type")];
  const risk = parseInt(p.get("risk") || "", 10);
  if (!Number.isNaN(risk) && risk > 0) filter.risk_score_min = risk;
  const assignee = list(p.get("assignee"));
  if (assignee.length) filter.assignee = assignee;
  const ticket = list(p.get("ticket"));
  if (ticket.length) filter.ticket_id = ticket;
  const offender = list(p.get("offender"));
  if (offender.length) filter.offender = offender;
  const victim = list(p.get("victim"));
  if (victim.length) filter.victim = victim;
  const body = { filter };
  const w = window_(p);
  if (w.from !== null) body.from = w.from;
  if (w.until !== null) body.until = w.until;
  return body;
}

function filtersForm(p, fmts) {
  const cats = [...new Set(fmts.flatMap((f) => f.categories))].sort();
  const types = [...fmts].sort((a, b) => a.display_name.localeCompare(b.display_name));
  const status = new Set(list(p.get("status")));
  const field = (id, text, input) => h("div", { class: "field" }, h("label", { for: id }, text), input);
  const text = (id, name, placeholder) =>
    h("input", { id, name, value: p.get(name) || "", placeholder, autocomplete: "off" });
  const select = (id, name, options, auto = true) =>
    h("select", { id, name, onchange: auto ? (e) => e.target.form.requestSubmit() : null },
      options.map(([v, t]) => h("option", { value: v, selected: (p.get(name) || "") === v }, t)));
  const range = p.get("range") || "all";
  const custom = h("div", { class: "custom-range", hidden: range !== "custom" },
    field("f-from", "From", h("input", { id: "f-from", name: "from", type: "datetime-local", value: p.get("from") || "" })),
    field("f-until", "Until", h("input", { id: "f-until", name: "until", type: "datetime-local", value: p.get("until") || "" })));
  const form = h("form", { class: "filters", "aria-label": "Filters", onsubmit: (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    const next = new URLSearchParams();
    const statuses = data.getAll("status");
    if (statuses.length) next.set("status", statuses.join(","));
    for (const k of ["category", "type", "risk", "assignee", "ticket", "offender", "victim", "range", "sort"]) {
      const v = (data.get(k) || "").toString().trim();
      if (v) next.set(k, v);
    }
    if (data.get("range") === "custom") {
      for (const k of ["from", "until"]) if (data.get(k)) next.set(k, data.get(k));
    }
    location.hash = "#/detections?" + next.toString();
  } },
    h("fieldset", {}, h("legend", {}, "Status"),
      STATUSES.map(([v, t]) => h("label", { class: "check" },
        h("input", { type: "checkbox", name: "status", value: v, checked: status.has(v),
          onchange: (e) => e.target.form.requestSubmit() }), " ", t))),
    field("f-range", "Time range", h("select", { id: "f-range", name: "range", onchange: (e) => {
      custom.hidden = e.target.value !== "custom";
      if (e.target.value !== "custom") e.target.form.requestSubmit();
    } }, RANGES.map(([v, t]) => h("option", { value: v, selected: range === v }, t)))),
    custom,
    field("f-category", "Category", select("f-category", "category", [["", "Any category"], ...cats.map((c) => [c, c])])),
    field("f-type", "Type", select("f-type", "type", [["", "Any type"], ...types.map((f) => [f.type, f.display_name])])),
    field("f-risk", "Minimum risk score", h("input", { id: "f-risk", name: "risk", type: "number", min: 0, max: 100, value: p.get("risk") || "" })),
    field("f-assignee", "Assignee", text("f-assignee", "assignee", "alice, .me, .none")),
    field("f-ticket", "Ticket id", text("f-ticket", "ticket", "SEC-1234, .none")),
    field("f-offender", "Offender", text("f-offender", "offender", "IP, host name or device id")),
    field("f-victim", "Victim", text("f-victim", "victim", "IP, host name or device id")),
    h("input", { type: "hidden", name: "sort", value: p.get("sort") || "" }),
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary" }, "Apply"),
      h("a", { href: "#/detections", class: "button quiet" }, "Clear")),
  );
  return form;
}

function participants(d, role) {
  return d.participants.filter((x) => x.role === role)
    .map((x) => x.hostname || x.ipaddr || x.object_value || (x.object_id ? `device ${x.object_id}` : "?"));
}

function ticketCell(d, internal) {
  if (!d.ticket_id) return "—";
  if (internal && isTicketGuid(d.ticket_id)) return external(`/app#/tickets/${d.ticket_id}`, "Ticket ↗");
  return d.ticket_url ? external(d.ticket_url, d.ticket_id) : d.ticket_id;
}

function row(d, selected, onToggle, internal) {
  const box = h("input", { type: "checkbox", "aria-label": `Select detection ${d.id}`, checked: selected.has(d.id),
    onchange: (e) => { if (e.target.checked) selected.add(d.id); else selected.delete(d.id); onToggle(); } });
  return h("tr", { dataset: { id: d.id } },
    h("td", {}, box),
    h("td", {}, h("span", { class: "risk " + riskBand(d.risk_score), title: "Risk score" }, d.risk_score)),
    h("td", { class: "title" }, h("a", { href: `#/detections/${d.id}` }, d.title),
      h("div", { class: "muted small" }, d.categories.join(" · "))),
    h("td", {}, participants(d, "offender").join(", ") || "—"),
    h("td", {}, participants(d, "victim").join(", ") || "—"),
    h("td", { class: "nowrap" }, h("time", { title: new Date(d.start_time).toString() }, short(d.start_time))),
    h("td", {}, h("span", { class: "status " + (d.status || "open") }, label(d.status, "Open"))),
    h("td", {}, d.assignee || "—"),
    h("td", { class: "ticket" }, ticketCell(d, internal)),
  );
}

async function bulk(ids, action, arg) {
  let failed = 0;
  if (action === "investigation") {
    if (arg.id) await api.patch(`/investigations/${arg.id}`, { detections_to_add: ids });
    else await api.post("/investigations", { name: arg.name, event_ids: ids });
    return 0;
  }
  for (const id of ids) {
    try {
      await api.patch(`/detections/${id}`, action === "assign" ? { assignee: arg || null } : { status: "closed" });
    } catch {
      failed += 1;
    }
  }
  return failed;
}

function bulkBar(selected, rerender) {
  const count = h("strong", {}, `${selected.size} selected`);
  const who = h("input", { id: "bulk-assignee", placeholder: "username", "aria-label": "Assign to", autocomplete: "off" });
  const inv = h("select", { id: "bulk-investigation", "aria-label": "Investigation" }, h("option", { value: "" }, "New investigation…"));
  const invName = h("input", { id: "bulk-investigation-name", placeholder: "New investigation name", "aria-label": "New investigation name" });
  inv.addEventListener("change", () => { invName.hidden = inv.value !== ""; });
  api.get("/investigations").then((all) => {
    for (const i of all || []) inv.append(h("option", { value: i.id }, i.name));
  }).catch(() => { /* no NDR module: only new ones would fail too */ });
  const run = (action, arg) => async () => {
    const ids = [...selected];
    if (!ids.length) return toast("Select detections first.", "error");
    try {
      const failed = await bulk(ids, action, arg());
      toast(failed ? `${ids.length - failed} changed, ${failed} refused` : `${ids.length} ${ids.length === 1 ? "detection" : "detections"} changed`, failed ? "error" : "ok");
      selected.clear();
      rerender();
    } catch (e) {
      toast(e.message, "error");
    }
  };
  return {
    el: h("div", { class: "bulk", role: "region", "aria-label": "Bulk actions" }, count,
      h("span", { class: "group" }, who, h("button", { type: "button", id: "bulk-assign", onclick: run("assign", () => who.value.trim()) }, "Assign")),
      h("button", { type: "button", id: "bulk-close", onclick: run("close", () => null) }, "Close"),
      h("span", { class: "group" }, inv, invName,
        h("button", { type: "button", id: "bulk-add", onclick: run("investigation", () => {
          if (!inv.value && !invName.value.trim()) throw new Error("Name the new investigation.");
          return inv.value ? { id: inv.value } : { name: invName.value.trim() };
        }) }, "Add to investigation"))),
    update: () => replace(count, `${selected.size} selected`),
  };
}

/** The chart's interval and axis for a window (ms). */
function chartAxis(w, counts) {
  const until = w.until ?? Date.now();
  let from = w.from;
  if (from === null) from = counts.length ? counts[0].time : until - 7 * 86400e3;
  const span = Math.max(60e3, until - from);
  const interval = Math.max(60e3, Math.ceil(span / 60 / 60e3) * 60e3);
  return { from, until, interval };
}

export async function detectionsPage(main, p, me) {
  document.title = "Detections · wirewatch";
  const gen = nav.gen;
  const base = searchOf(p);
  const sortKey = p.get("sort") || "time";
  const sort = (SORTS.find((x) => x[0] === sortKey) || SORTS[0])[2];
  const page = Math.max(1, parseInt(p.get("page") || "1", 10) || 1);
  const w = window_(p);
  // The formats, the list and the count at once. The count and the chart:
  // one histogram search; without a window its coarse pass finds the
  // data's span, then a fine one draws it.
  let fmts, rows, counts;
  try {
    [fmts, rows, counts] = await Promise.all([
      loadFormats(),
      api.post("/detections/search", { ...base, sort, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
      api.post("/detections/search", { ...base, histogram: 30 * 86400e3 }),
    ]);
  } catch (e) {
    if (e.status === 403) {
      if (gen === nav.gen) noAccess(main, "detections");
      return;
    }
    throw e;
  }
  const axis = chartAxis(w, counts);
  const total = counts.reduce((a, c) => a + c.count, 0);
  if (axis.interval < 30 * 86400e3) {
    counts = await api.post("/detections/search", { ...base, histogram: axis.interval });
  }
  const internal = rows.some((d) => isTicketGuid(d.ticket_id))
    && Boolean((await ticketing())?.internal_ticketing_enabled);
  const selected = new Set();
  const rerender = () => detectionsPage(main, p, me);
  const bar = bulkBar(selected, rerender);
  const all = h("input", { type: "checkbox", "aria-label": "Select all on this page", onchange: (e) => {
    for (const d of rows) { if (e.target.checked) selected.add(d.id); else selected.delete(d.id); }
    for (const b of tbody.querySelectorAll("input[type=checkbox]")) b.checked = e.target.checked;
    bar.update();
  } });
  const tbody = h("tbody", {}, rows.map((d) => row(d, selected, bar.update, internal)));
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const link = (n, text) => {
    const q = new URLSearchParams(p);
    q.set("page", n);
    return h("a", { href: "#/detections?" + q.toString(), class: "button quiet" }, text);
  };
  const sortSelect = h("select", { id: "sort", "aria-label": "Sort by", onchange: (e) => {
    const q = new URLSearchParams(p);
    q.set("sort", e.target.value);
    q.delete("page");
    location.hash = "#/detections?" + q.toString();
  } }, SORTS.map(([v, t]) => h("option", { value: v, selected: v === sortKey }, t)));
  const chartBox = h("figure", { class: "chart-box" },
    h("figcaption", {}, "Detections over time (by start time)"));
  const content = h("section", { class: "content" },
    h("div", { class: "summary" },
      h("h1", {}, "Detections"),
      h("span", { class: "count", id: "count" }, `${total} ${total === 1 ? "detection" : "detections"}`),
      h("label", { for: "sort", class: "sort" }, "Sort by ", sortSelect)),
    chartBox,
    bar.el,
    rows.length
      ? h("table", { class: "list" },
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, all), h("th", { scope: "col" }, "Risk"), h("th", { scope: "col" }, "Detection"),
          h("th", { scope: "col" }, "Offender"), h("th", { scope: "col" }, "Victim"), h("th", { scope: "col" }, "Started"),
          h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Assignee"), h("th", { scope: "col" }, "Ticket"))),
        tbody)
      : h("p", { class: "empty" }, "No detection matches these filters."),
    h("nav", { class: "pager", "aria-label": "Pages" },
      page > 1 ? link(page - 1, "← Previous") : null,
      h("span", {}, `Page ${page} of ${pages}`),
      page < pages ? link(page + 1, "Next →") : null),
  );
  if (gen !== nav.gen) return;
  replace(main, h("div", { class: "detections" }, filtersForm(p, fmts), content));
  // Drawn at the box's width; the SVG scales with it afterwards (viewBox).
  chartBox.append(histogram(counts, axis.from, axis.until, axis.interval, chartBox.clientWidth - 20));
}
