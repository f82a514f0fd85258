// Internal tickets (the Logpresso Sonar model, /api/sonar/tickets): the list
// (#/tickets?filters, in the URL so a view can be shared: status, priority,
// keywords, assignee, approver, created in a time range; sorting; pages of
// 50; the count) and a ticket's page (#/tickets/GUID): its fields, linked
// detections, the workflow steps the user's role allows (assign → work the
// task → submit → approve or reject; close, reopen), comments in Markdown
// (markdown.js: DOM nodes only), and attachments (upload, download, delete).
// The server decides every step; a refusal is shown as it answered.

import { h, replace, short, when, label, riskBand, toast, external, nav } from "./dom.js";
import { api, sonar, describeError } from "./api.js";
import { markdown } from "./markdown.js";
import { noAccess } from "./devices.js";

const PAGE_SIZE = 50;
const STATUSES = ["NEW", "ASSIGNED", "IN_PROGRESS", "SUBMITTED", "APPROVED", "REJECTED", "CLOSED"];
const PRIORITIES = ["HIGH", "MEDIUM", "LOW"];
const RANGES = [
  ["24h", "Last 24 hours", 86400e3], ["7d", "Last 7 days", 7 * 86400e3],
  ["30d", "Last 30 days", 30 * 86400e3], ["all", "All time", null], ["custom", "Custom…", null],
];
// Sort keys of the API (order_by), with the natural first direction.
const SORTS = [
  ["updated", "Last updated", "desc"], ["created", "Created", "desc"], ["id", "Number", "desc"],
  ["priority", "Priority", "desc"], ["status", "Status", "asc"], ["count", "Detections", "desc"],
];
/** Largest attachment the server takes (wirewatch_store::MAX_ATTACHMENT). */
const MAX_ATTACHMENT = 8 * 1024 * 1024 - 1024;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a detection's ticket id is an internal ticket's GUID. */
export function isTicketGuid(id) {
  return typeof id === "string" && GUID.test(id);
}

/** The ticket-tracking settings (any user may read them); null when unreadable. */
export async function ticketing() {
  try {
    return await api.get("/extrahop/ticketing");
  } catch {
    return null;
  }
}

/** Whether to show Tickets: internal ticketing on, and the API lets this user list tickets. */
export async function ticketsVisible() {
  const t = await ticketing();
  if (!t || !t.internal_ticketing_enabled) return false;
  try {
    await sonar.get("/tickets?limit=1");
    return true;
  } catch {
    return false;
  }
}

/** A Sonar date (`yyyy-MM-dd HH:mm:ss+HHMM`) as ms; null when absent. */
export function sonarMs(v) {
  if (!v) return null;
  const iso = String(v).replace(" ", "T").replace(/([+-]\d\d)(\d\d)$/, "$1:$2");
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** A size in bytes, for people. */
export function size(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Sonar's MEMBER may work a ticket; ADMIN (`write: full`) may also assign, edit, close, reopen. */
function isAdmin(me) {
  const r = (me && me.roles) || {};
  return r.system === "full" || r.write === "full";
}

function list(v) {
  return (v || "").split(",").map((x) => x.trim()).filter(Boolean);
}

function priorityBadge(p) {
  return h("span", { class: "prio " + String(p).toLowerCase(), title: "Priority" }, label(String(p).toLowerCase()));
}

function statusBadge(s) {
  return h("span", { class: "status t-" + String(s).toLowerCase() }, label(String(s).toLowerCase()));
}

function people(tasks) {
  if (!tasks || !tasks.length) return h("span", { class: "muted" }, "—");
  return tasks.map((t, i) => [i ? ", " : "", t.user_name,
    h("span", { class: "muted small" }, ` (${label(String(t.task_status).toLowerCase())})`)]);
}

/** The API query of the page's parameters (without paging). */
export function queryOf(p) {
  const q = new URLSearchParams();
  const st = list(p.get("status"));
  if (st.length) q.set("statuses", st.join(","));
  const pr = list(p.get("priority"));
  if (pr.length) q.set("priorities", pr.join(","));
  if ((p.get("q") || "").trim()) q.set("keywords", p.get("q").trim());
  const as = list(p.get("assignee"));
  if (as.length) q.set("assignees", as.join(","));
  const ap = list(p.get("approver"));
  if (ap.length) q.set("approvers", ap.join(","));
  const range = p.get("range") || "all";
  if (range === "custom") {
    const f = Date.parse(p.get("from") || "");
    const u = Date.parse(p.get("until") || "");
    if (!Number.isNaN(f)) q.set("from", String(f));
    if (!Number.isNaN(u)) q.set("to", String(u));
  } else {
    const r = RANGES.find((x) => x[0] === range);
    if (r && r[2]) q.set("from", String(Date.now() - r[2]));
  }
  const sort = SORTS.find((s) => s[0] === p.get("sort")) || SORTS[0];
  q.set("order_by", sort[0]);
  q.set("order", p.get("order") === "asc" || p.get("order") === "desc" ? p.get("order") : sort[2]);
  return q;
}

function filtersForm(p, me) {
  const field = (id, text, input) => h("div", { class: "field" }, h("label", { for: id }, text), input);
  const text = (id, name, placeholder) =>
    h("input", { id, name, value: p.get(name) || "", placeholder, autocomplete: "off" });
  const checks = (legend, name, values) => {
    const on = new Set(list(p.get(name)));
    return h("fieldset", {}, h("legend", {}, legend),
      values.map((v) => h("label", { class: "check" },
        h("input", { type: "checkbox", name, value: v, checked: on.has(v),
          onchange: (e) => e.target.form.requestSubmit() }), " ", label(v.toLowerCase()))));
  };
  const range = p.get("range") || "all";
  const custom = h("div", { class: "custom-range", hidden: range !== "custom" },
    field("t-from", "Created from", h("input", { id: "t-from", name: "from", type: "datetime-local", value: p.get("from") || "" })),
    field("t-until", "Created before", h("input", { id: "t-until", name: "until", type: "datetime-local", value: p.get("until") || "" })));
  const assignee = text("t-assignee", "assignee", "alice, bob");
  return h("form", { class: "filters", id: "ticket-filters", "aria-label": "Filters", onsubmit: (ev) => {
    ev.preventDefault();
    const data = new FormData(ev.target);
    const next = new URLSearchParams();
    for (const k of ["status", "priority"]) {
      const all = data.getAll(k);
      if (all.length) next.set(k, all.join(","));
    }
    for (const k of ["q", "assignee", "approver", "range", "sort", "order"]) {
      const v = (data.get(k) || "").toString().trim();
      if (v) next.set(k, v);
    }
    if (data.get("range") === "custom") {
      for (const k of ["from", "until"]) if (data.get(k)) next.set(k, data.get(k));
    }
    location.hash = "#/tickets?" + next.toString();
  } },
    field("t-q", "Title contains", text("t-q", "q", "words of the title")),
    checks("Status", "status", STATUSES),
    checks("Priority", "priority", PRIORITIES),
    field("t-assignee", "Assignee", h("div", { class: "inline" }, assignee,
      h("button", { type: "button", class: "quiet", id: "t-mine", title: "Tickets assigned to me",
        onclick: (e) => { assignee.value = me.username; e.target.form.requestSubmit(); } }, "Me"))),
    field("t-approver", "Approver", text("t-approver", "approver", "user name")),
    field("t-range", "Created", h("select", { id: "t-range", name: "range", onchange: (e) => {
      custom.hidden = e.target.value !== "custom";
      if (e.target.value !== "custom") e.target.form.requestSubmit();
    } }, RANGES.map(([v, t]) => h("option", { value: v, selected: range === v }, t)))),
    custom,
    h("input", { type: "hidden", name: "sort", value: p.get("sort") || "" }),
    h("input", { type: "hidden", name: "order", value: p.get("order") || "" }),
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary", id: "t-apply" }, "Apply"),
      h("a", { href: "#/tickets", class: "button quiet" }, "Clear")));
}

function ticketRow(t) {
  return h("tr", { dataset: { guid: t.guid } },
    h("td", { class: "num" }, `#${t.id}`),
    h("td", {}, priorityBadge(t.priority)),
    h("td", { class: "title" }, h("a", { href: `#/tickets/${t.guid}` }, t.title),
      t.rule_name ? h("div", { class: "muted small" }, t.rule_name) : null),
    h("td", {}, statusBadge(t.status)),
    h("td", {}, people(t.assignees)),
    h("td", {}, people(t.approvers)),
    h("td", { class: "num" }, t.count),
    h("td", { class: "nowrap" }, h("time", { title: t.created }, short(sonarMs(t.created)))),
    h("td", { class: "nowrap" }, h("time", { title: t.updated }, short(sonarMs(t.updated)))));
}

export async function ticketsPage(main, p, me) {
  document.title = "Tickets · wirewatch";
  const gen = nav.gen;
  const page = Math.max(1, parseInt(p.get("page") || "1", 10) || 1);
  const q = queryOf(p);
  q.set("limit", String(PAGE_SIZE));
  q.set("offset", String((page - 1) * PAGE_SIZE));
  let answer;
  let error = null;
  try {
    answer = await sonar.get("/tickets?" + q.toString());
  } catch (e) {
    if (e.status === 403 || e.status === 401) {
      if (gen === nav.gen) noAccess(main, "tickets");
      return;
    }
    error = e;
    answer = { total: 0, tickets: [] };
  }
  if (gen !== nav.gen) return;
  const total = answer.total;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const sortKey = q.get("order_by");
  const order = q.get("order");
  const go = (changes) => {
    const next = new URLSearchParams(p);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k); else next.set(k, v);
    }
    location.hash = "#/tickets?" + next.toString();
  };
  // A column header sorts by it; again reverses.
  const head = (text, key) => {
    if (!key) return h("th", { scope: "col" }, text);
    const on = sortKey === key;
    const def = SORTS.find((s) => s[0] === key)[2];
    return h("th", { scope: "col", "aria-sort": on ? (order === "asc" ? "ascending" : "descending") : null },
      h("button", { type: "button", class: "sorter", dataset: { sort: key }, onclick: () =>
        go({ sort: key, order: on ? (order === "asc" ? "desc" : "asc") : def, page: null }) },
      text, on ? (order === "asc" ? " ▲" : " ▼") : ""));
  };
  const link = (n, text, id) => {
    const next = new URLSearchParams(p);
    next.set("page", n);
    return h("a", { href: "#/tickets?" + next.toString(), class: "button quiet", id }, text);
  };
  const sortSelect = h("select", { id: "t-sort", "aria-label": "Sort by", onchange: (e) => {
    const def = SORTS.find((s) => s[0] === e.target.value)[2];
    go({ sort: e.target.value, order: def, page: null });
  } }, SORTS.map(([v, t]) => h("option", { value: v, selected: v === sortKey }, t)));
  const orderSelect = h("select", { id: "t-order", "aria-label": "Order", onchange: (e) => go({ order: e.target.value, page: null }) },
    [["desc", "Descending"], ["asc", "Ascending"]].map(([v, t]) => h("option", { value: v, selected: v === order }, t)));
  const first = total ? (page - 1) * PAGE_SIZE + 1 : 0;
  const last = Math.min(total, (page - 1) * PAGE_SIZE + answer.tickets.length);
  replace(main, h("div", { class: "detections tickets" },
    filtersForm(p, me),
    h("section", { class: "content" },
      h("div", { class: "summary" },
        h("h1", {}, "Tickets"),
        h("span", { class: "count", id: "count" }, `${total} ${total === 1 ? "ticket" : "tickets"}`),
        h("label", { for: "t-sort", class: "sort" }, "Sort by ", sortSelect, orderSelect)),
      error ? h("p", { class: "error", role: "alert", id: "t-error" }, describeError(error)) : null,
      answer.tickets.length
        ? h("table", { class: "list", id: "ticket-list" },
          h("thead", {}, h("tr", {},
            head("#", "id"), head("Priority", "priority"), head("Ticket"), head("Status", "status"),
            head("Assignees"), head("Approvers"), head("Detections", "count"),
            head("Created", "created"), head("Updated", "updated"))),
          h("tbody", {}, answer.tickets.map(ticketRow)))
        : h("p", { class: "empty" }, error ? "The server refused this query." : "No ticket matches these filters."),
      h("nav", { class: "pager", "aria-label": "Pages" },
        page > 1 ? link(page - 1, "← Previous", "t-prev") : null,
        h("span", { id: "t-range-shown" }, total ? `${first}–${last} of ${total} · page ${page} of ${pages}` : ""),
        page < pages ? link(page + 1, "Next →", "t-next") : null))));
}

// ---- One ticket ----

function section(title, attrs, ...body) {
  return h("section", { class: "panel", "aria-label": title, ...attrs }, h("h2", {}, title), ...body);
}

/** The ticket's content in its format: JSON pretty-printed, Markdown rendered, plain as text. */
function contentView(t) {
  if (!t.content) return h("p", { class: "muted" }, "No content.");
  if (t.format === "JSON") {
    let text = t.content;
    try { text = JSON.stringify(JSON.parse(t.content), null, 2); } catch { /* shown as it is */ }
    return h("details", { class: "json" },
      h("summary", {}, t.rule_name ? "The first detection, as JSON" : "Content (JSON)"),
      h("pre", { class: "code" }, h("code", {}, text)));
  }
  if (t.format === "MARKDOWN") return h("div", { class: "md" }, markdown(t.content));
  return h("p", { class: "prose" }, t.content);
}

/** Who a user GUID is, from the people and comments of the ticket. */
function namesOf(t) {
  const m = new Map();
  for (const x of [...t.assignees, ...t.approvers, ...t.comments]) m.set(x.user_guid, x.user_name);
  return m;
}

const WORKING = new Set(["ASSIGNED", "IN_PROGRESS", "REJECTED"]);

/** The workflow panel: people, and only the steps this user may take now. */
function workflow(t, me, act) {
  const admin = isAdmin(me);
  const mine = t.assignees.find((a) => a.user_name === me.username);
  const approver = t.approvers.find((a) => a.user_name === me.username);
  const steps = [];
  const button = (id, text, run, cls) => h("button", { type: "button", id, class: cls, onclick: run }, text);

  if (mine && WORKING.has(t.status)) {
    if (mine.task_status === "ASSIGNED") {
      steps.push(button("t-start", "Start my task", () => act("tasks", { task_status: "IN_PROGRESS" }, "Task started")));
    }
    if (mine.task_status !== "CLOSED") {
      steps.push(button("t-done", "Mark my task done", () => act("tasks", { task_status: "CLOSED" }, "Task done")));
    } else {
      steps.push(button("t-undone", "Reopen my task", () => act("tasks", { task_status: "IN_PROGRESS" }, "Task reopened")));
    }
  }
  let submitNote = null;
  if ((mine || admin) && WORKING.has(t.status)) {
    const open = t.assignees.filter((a) => a.task_status !== "CLOSED").map((a) => a.user_name);
    const why = !t.approvers.length ? "it needs an approver"
      : !t.assignees.length ? "it needs an assignee"
        : open.length ? `waiting for the task of ${open.join(", ")}` : null;
    if (!why) steps.push(button("t-submit", "Submit for approval", () => act("submit", undefined, "Submitted for approval"), "primary"));
    else submitNote = h("p", { class: "muted small", id: "t-submit-why" }, `Not ready to submit: ${why}.`);
  }
  let decision = null;
  if (approver && t.status === "SUBMITTED" && approver.task_status === "ASSIGNED") {
    const reason = h("textarea", { id: "t-reason", rows: 2, maxlength: 65536, "aria-label": "Reason (optional)", placeholder: "Reason (optional, added as a comment)" });
    const body = () => (reason.value.trim() ? { comment: reason.value } : {});
    decision = h("div", { class: "decision" }, reason, h("div", { class: "buttons" },
      button("t-approve", "Approve", () => act("approve", body(), "Approved"), "primary"),
      button("t-reject", "Reject", () => act("reject", body(), "Rejected: back to work"))));
  }
  if (admin && t.status !== "CLOSED") steps.push(button("t-close", "Close ticket", () => act("close", undefined, "Ticket closed")));
  if (admin && (t.status === "CLOSED" || t.status === "APPROVED")) {
    steps.push(button("t-reopen", "Reopen", () => act("reopen", undefined, "Ticket reopened")));
  }

  let assignForm = null;
  if (admin && t.status !== "CLOSED") {
    const names = (tasks) => tasks.map((x) => x.user_name).join(", ");
    const as = h("input", { id: "t-assignees", value: names(t.assignees), autocomplete: "off", placeholder: "alice, bob" });
    const ap = h("input", { id: "t-approvers", value: names(t.approvers), autocomplete: "off", placeholder: "carol" });
    assignForm = h("form", { class: "assign", onsubmit: (ev) => {
      ev.preventDefault();
      act("assign", { assignees: list(as.value), approvers: list(ap.value) }, "People saved");
    } },
      h("label", { for: "t-assignees" }, "Assignees (user names)"), as,
      h("label", { for: "t-approvers" }, "Approvers (user names)"), ap,
      h("div", { class: "buttons" }, h("button", { type: "submit", id: "t-assign" }, t.assignees.length || t.approvers.length ? "Save people" : "Assign")));
  }
  return section("Workflow", { id: "t-workflow" },
    h("dl", { class: "people" },
      h("dt", {}, "Assignees"), h("dd", { id: "t-assignee-list" }, people(t.assignees)),
      h("dt", {}, "Approvers"), h("dd", { id: "t-approver-list" }, people(t.approvers))),
    h("p", { class: "error", role: "alert", id: "t-refused", hidden: true }),
    steps.length ? h("div", { class: "buttons wrap", id: "t-steps" }, steps) : null,
    submitNote,
    decision,
    assignForm,
    !steps.length && !decision && !assignForm
      ? h("p", { class: "muted small", id: "t-no-steps" }, admin || mine || approver
        ? "No workflow step is open to you in this state."
        : "You are not on this ticket; an administrator (write: full) assigns people.")
      : null);
}

/** Priority, true positive and incident: administrators change them (PATCH). */
function fieldsForm(t, me, act) {
  if (!isAdmin(me)) return null;
  const prio = h("select", { id: "t-priority" }, PRIORITIES.map((v) => h("option", { value: v, selected: t.priority === v }, label(v.toLowerCase()))));
  const attack = h("input", { type: "checkbox", id: "t-attack", checked: t.attack });
  const incident = h("input", { type: "checkbox", id: "t-incident", checked: t.incident });
  return h("form", { class: "fields", onsubmit: (ev) => {
    ev.preventDefault();
    act("", { priority: prio.value, attack: attack.checked, incident: incident.checked }, "Ticket updated", "PATCH");
  } },
    h("label", { for: "t-priority" }, "Priority"), prio,
    h("label", { class: "check" }, attack, " True positive (attack)"),
    h("label", { class: "check" }, incident, " Incident: needs an immediate response"),
    h("div", { class: "buttons" }, h("button", { type: "submit", id: "t-save-fields" }, "Save")));
}

function commentView(t, c, me, names, reload) {
  const admin = isAdmin(me);
  const edited = c.updated !== c.created;
  const own = c.user_name === me.username || admin;
  const render = () => (c.format === "MARKDOWN" ? markdown(c.content) : h("p", { class: "prose" }, c.content));
  const body = h("div", { class: "comment-body" }, render());
  // Authors (and administrators) edit in place; the format stays as it was.
  const edit = () => {
    const text = h("textarea", { rows: 5, maxlength: 65536, "aria-label": "Edit the comment", class: "comment-edit" });
    text.value = c.content;
    const save = h("button", { type: "submit", class: "primary save-comment" }, "Save");
    replace(body, h("form", { onsubmit: async (ev) => {
      ev.preventDefault();
      if (!text.value.trim()) return toast("A comment cannot be empty.", "error");
      save.disabled = true;
      try {
        await sonar.patch(`/tickets/${t.guid}/comments/${c.guid}`, { content: text.value });
        toast("Comment saved");
        reload();
      } catch (e) {
        toast(describeError(e), "error");
        save.disabled = false;
      }
    } }, text, h("div", { class: "buttons" }, save,
      h("button", { type: "button", class: "quiet", onclick: () => replace(body, render()) }, "Cancel"))));
    text.focus();
  };
  const remove = async () => {
    if (!window.confirm("Delete this comment?")) return;
    try {
      await sonar.del(`/tickets/${t.guid}/comments/${c.guid}`);
      toast("Comment deleted");
      reload();
    } catch (e) {
      toast(describeError(e), "error");
    }
  };
  return h("li", { class: "comment", dataset: { guid: c.guid } },
    h("div", { class: "comment-head" },
      h("strong", {}, c.x_user || c.user_name), " ",
      h("time", { class: "muted small", title: c.created }, when(sonarMs(c.created))),
      edited ? h("span", { class: "muted small", title: c.updated }, " (edited)") : null,
      c.format === "PLAIN" ? h("span", { class: "tag" }, "plain") : null,
      own ? h("span", { class: "comment-actions" },
        h("button", { type: "button", class: "quiet small edit-comment", "aria-label": "Edit this comment", onclick: edit }, "Edit"),
        h("button", { type: "button", class: "quiet small", "aria-label": "Delete this comment", onclick: remove }, "Delete"))
        : null),
    body);
}

function commentForm(t, reload) {
  const text = h("textarea", { id: "t-comment", rows: 5, maxlength: 65536, "aria-label": "New comment",
    placeholder: "Markdown: **bold**, *italic*, `code`, ```code blocks```, - lists, [links](https://…)" });
  const preview = h("div", { class: "comment-body preview", id: "t-preview", hidden: true });
  const toggle = h("button", { type: "button", class: "quiet", id: "t-preview-toggle", onclick: () => {
    preview.hidden = !preview.hidden;
    if (!preview.hidden) replace(preview, text.value.trim() ? markdown(text.value) : h("p", { class: "muted" }, "Nothing to preview."));
    replace(toggle, preview.hidden ? "Preview" : "Hide preview");
  } }, "Preview");
  const send = h("button", { type: "submit", class: "primary", id: "t-add-comment" }, "Comment");
  return h("form", { class: "comment-form", onsubmit: async (ev) => {
    ev.preventDefault();
    if (!text.value.trim()) return toast("Write a comment first.", "error");
    send.disabled = true;
    try {
      await sonar.post(`/tickets/${t.guid}/comments`, { content: text.value, format: "MARKDOWN" });
      toast("Comment added");
      reload();
    } catch (e) {
      toast(describeError(e), "error");
      send.disabled = false;
    }
  } }, text, preview, h("div", { class: "buttons" }, send, toggle));
}

function attachmentsPanel(t, me, names, reload) {
  const admin = isAdmin(me);
  const file = h("input", { type: "file", id: "t-file", "aria-label": "File to attach" });
  const up = h("button", { type: "submit", id: "t-upload" }, "Upload");
  const form = h("form", { class: "inline upload", onsubmit: async (ev) => {
    ev.preventDefault();
    const f = file.files && file.files[0];
    if (!f) return toast("Choose a file first.", "error");
    if (f.size === 0) return toast("The file is empty.", "error");
    if (f.size > MAX_ATTACHMENT) return toast(`Attachments are limited to ${size(MAX_ATTACHMENT)}.`, "error");
    up.disabled = true;
    try {
      await sonar.upload(`/tickets/${t.guid}/attachments?file_name=${encodeURIComponent(f.name)}`, f);
      toast(`${f.name} attached`);
      reload();
    } catch (e) {
      toast(describeError(e), "error");
      up.disabled = false;
    }
  } }, file, up);
  const rows = t.attachments.map((a) => {
    const by = names.get(a.user_guid);
    const del = admin || (by && by === me.username)
      ? h("button", { type: "button", class: "quiet small", "aria-label": `Delete ${a.file_name}`, onclick: async () => {
        if (!window.confirm(`Delete ${a.file_name}?`)) return;
        try {
          await sonar.del(`/tickets/${t.guid}/attachments/${a.guid}`);
          toast("Attachment deleted");
          reload();
        } catch (e) {
          toast(describeError(e), "error");
        }
      } }, "Delete")
      : null;
    return h("li", { dataset: { guid: a.guid } },
      h("div", { class: "att-head" },
        h("a", { href: `/api/sonar/tickets/${t.guid}/attachments/${a.guid}`, download: a.file_name, class: "download" }, a.file_name),
        h("span", { class: "size", title: `${a.file_size} bytes` }, size(a.file_size)),
        del),
      h("div", { class: "muted small" }, a.content_type, " · ", by ? `${by}, ` : "", short(sonarMs(a.created))));
  });
  return section("Attachments", { id: "t-attachments" },
    rows.length
      ? h("ul", { class: "attachments" }, rows)
      : h("p", { class: "muted" }, "No attachment."),
    form,
    h("p", { class: "muted small" }, `Up to ${MAX_ATTACHMENT.toLocaleString("en")} bytes (8 MiB less 1 KiB) a file.`));
}

function detectionsPanel(t, dets) {
  let body;
  if (dets === null) {
    body = h("p", { class: "muted" }, "Your privileges do not show these detections.");
  } else if (!dets.length) {
    body = h("p", { class: "muted" }, "No linked detection (a ticket made by hand, or its detections are gone).");
  } else {
    body = h("ul", { class: "linked", id: "t-detections" }, dets.map((d) => {
      const who = (role) => d.participants.filter((x) => x.role === role)
        .map((x) => x.hostname || x.ipaddr || x.object_value || `device ${x.object_id}`).join(", ");
      const [off, vic] = [who("offender"), who("victim")];
      return h("li", {},
        h("span", { class: "risk small " + riskBand(d.risk_score) }, d.risk_score), " ",
        h("a", { href: `#/detections/${d.id}`, dataset: { id: d.id } }, d.title),
        h("span", { class: "muted small" }, ` #${d.id}`),
        h("div", { class: "muted small" }, off || vic ? `${off || "?"} → ${vic || "?"} · ` : "", when(d.start_time),
          d.status ? ` · ${label(d.status)}` : ""));
    }));
  }
  const more = dets && t.count > dets.length
    ? h("p", { class: "muted small" }, `${t.count} detections were merged into this ticket; ${dets.length} are listed.`)
    : null;
  return section("Linked detections", { id: "t-linked" }, body, more);
}

export async function ticketPage(main, guid, me) {
  const gen = nav.gen;
  if (!isTicketGuid(guid)) {
    replace(main, h("div", { class: "error", role: "alert" }, "A ticket is named by its GUID."));
    return;
  }
  let answer;
  try {
    answer = await sonar.get(`/tickets/${guid}`);
  } catch (e) {
    if (e.status === 403) {
      if (gen === nav.gen) noAccess(main, "tickets");
      return;
    }
    throw e;
  }
  const t = answer && answer.ticket;
  if (gen !== nav.gen) return;
  if (!t) {
    replace(main, h("div", { class: "empty", role: "alert", id: "t-missing" },
      h("strong", {}, "No such ticket."),
      h("p", {}, "It does not exist, or its detections are outside what your privileges show."),
      h("p", {}, h("a", { href: "#/tickets" }, "← Tickets"))));
    return;
  }
  const dets = await api.post("/detections/search", {
    filter: { ticket_id: [t.guid] }, limit: 200,
    sort: [{ field: "risk_score", direction: "desc" }, { field: "start_time", direction: "desc" }],
  }).catch(() => null);
  if (gen !== nav.gen) return;
  document.title = `Ticket #${t.id} · wirewatch`;
  const reload = () => ticketPage(main, guid, me);
  // A workflow step: the server decides; its refusal is shown where the step was.
  const act = async (step, body, done, method = "POST") => {
    const path = `/tickets/${t.guid}${step ? "/" + step : ""}`;
    for (const b of main.querySelectorAll("#t-workflow button, form.fields button")) b.disabled = true;
    try {
      if (method === "PATCH") await sonar.patch(path, body);
      else await sonar.post(path, body);
      toast(done);
      await reload();
    } catch (e) {
      // Show the current state, then why the server said no; what was typed stays.
      const typed = [...main.querySelectorAll("#t-workflow input[id], #t-workflow textarea[id]")].map((x) => [x.id, x.value]);
      await reload().catch(() => {});
      for (const [id, v] of typed) {
        const x = main.querySelector("#" + id);
        if (x) x.value = v;
      }
      const box = main.querySelector("#t-refused");
      if (box) {
        box.hidden = false;
        replace(box, h("strong", {}, "Refused by the server: "), describeError(e),
          e.code ? h("span", { class: "muted small" }, ` (${e.status} ${e.code})`) : null);
        box.scrollIntoView({ block: "nearest" });
      }
      toast(describeError(e), "error");
    }
  };
  const names = namesOf(t);
  const mitre = t.mitre_techniques || [];
  replace(main, h("article", { class: "card ticket-page", "aria-labelledby": "ticket-title", dataset: { guid: t.guid } },
    h("p", {}, h("a", { href: "#/tickets" }, "← Tickets")),
    h("header", { class: "card-head" },
      t.risk_score !== null && t.risk_score !== undefined
        ? h("span", { class: "risk big " + riskBand(t.risk_score), title: "Risk score" }, t.risk_score)
        : null,
      h("div", {},
        h("h1", { id: "ticket-title" }, t.title),
        h("p", { class: "muted" }, `#${t.id} · ${t.repo_name}`, t.rule_name ? ` · ${t.rule_name}` : "",
          ` · ${t.count} ${t.count === 1 ? "detection" : "detections"}`),
        h("p", {}, h("span", { id: "t-status" }, statusBadge(t.status)), " ", priorityBadge(t.priority),
          t.attack ? h("span", { class: "tag attack" }, "true positive") : null,
          t.incident ? h("span", { class: "tag incident" }, "incident") : null),
        h("p", { class: "muted small" }, `Opened ${when(sonarMs(t.created))}`,
          t.x_user ? ` by ${t.x_user}` : "", ` · updated ${when(sonarMs(t.updated))}`,
          t.closed ? ` · closed ${when(sonarMs(t.closed))}` : ""))),
    h("div", { class: "card-body" },
      h("div", { class: "col" },
        section("Content", {}, contentView(t)),
        mitre.length
          ? section("MITRE ATT&CK", {}, h("ul", { class: "mitre" }, mitre.map((m) =>
            h("li", {}, /^https:\/\//.test(m.url) ? external(m.url, m.mitre_id) : m.mitre_id, " ", m.display_name))))
          : null,
        detectionsPanel(t, dets),
        section("Comments", { id: "t-comments" },
          t.comments.length
            ? h("ol", { class: "comments" }, t.comments.map((c) => commentView(t, c, me, names, reload)))
            : h("p", { class: "muted" }, "No comment yet."),
          commentForm(t, reload))),
      h("div", { class: "col side" },
        workflow(t, me, act),
        isAdmin(me) ? section("Fields", {}, fieldsForm(t, me, act)) : null,
        attachmentsPanel(t, me, names, reload)))));
  window.scrollTo(0, 0);
}
