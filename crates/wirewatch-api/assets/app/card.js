// The detection card (#/detections/ID): what was detected, who took part,
// the timeline, triage (status, assignee, resolution, ticket), the note,
// related detections, investigations, and "hide similar detections" (a
// tuning rule). Participants link to their device's page (devices.js).

import { h, replace, when, label, riskBand, toast, external, nav } from "./dom.js";
import { api, sonar } from "./api.js";
import { ticketing, isTicketGuid } from "./tickets.js";
import { noAccess } from "./devices.js";

const optional = (p) => p.catch(() => null);

function section(title, ...body) {
  return h("section", { class: "panel", "aria-label": title }, h("h2", {}, title), ...body);
}

function participantView(x) {
  const name = x.hostname || x.ipaddr || x.object_value || `device ${x.object_id}`;
  const who = x.object_type === "device" && x.object_id
    ? h("a", { href: `#/devices/${x.object_id}` }, name)
    : name;
  return h("li", {},
    h("span", { class: "role " + x.role }, label(x.role)), " ", who,
    x.ipaddr && x.ipaddr !== name ? h("span", { class: "muted" }, ` ${x.ipaddr}`) : null,
    x.external ? h("span", { class: "tag" }, "external") : null,
    x.scanner_service ? h("span", { class: "tag" }, x.scanner_service) : null,
    x.usernames && x.usernames.length ? h("span", { class: "muted" }, ` users: ${x.usernames.join(", ")}`) : null);
}

function value(v) {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v) && v.every((x) => typeof x !== "object")) return v.join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function timeline(d, note) {
  const events = [
    [d.start_time, "Activity started"],
    [d.end_time, "Activity last seen"],
    [d.create_time, "Detection created"],
    [d.update_time, "Updated by new activity"],
    [d.mod_time, "Last changed"],
  ];
  if (note && note.update_time) events.push([note.update_time, `Note by ${note.author}`]);
  const items = events.filter(([t]) => t !== null && t !== undefined).sort((a, b) => a[0] - b[0]);
  if (d.end_time === null) items.push([null, "Ongoing"]);
  return h("ol", { class: "timeline" }, items.map(([t, what]) =>
    h("li", {}, h("time", {}, t === null ? "now" : when(t)), " ", what)));
}

function triageForm(d, me, reload) {
  const status = h("select", { id: "status", name: "status" },
    [["", "Open"], ["new", "New"], ["in_progress", "In progress"], ["acknowledged", "Acknowledged"], ["closed", "Closed"]]
      .map(([v, t]) => h("option", { value: v, selected: (d.status || "") === v }, t)));
  const assignee = h("input", { id: "assignee", name: "assignee", value: d.assignee || "", autocomplete: "off" });
  const resolution = h("select", { id: "resolution", name: "resolution" },
    [["", "—"], ["action_taken", "Action taken"], ["no_action_taken", "No action taken"]]
      .map(([v, t]) => h("option", { value: v, selected: (d.resolution || "") === v }, t)));
  const ticket = h("input", { id: "ticket_id", name: "ticket_id", value: d.ticket_id || "", autocomplete: "off" });
  return h("form", { class: "triage", onsubmit: async (ev) => {
    ev.preventDefault();
    const patch = {};
    const norm = (v) => (v.trim() === "" ? null : v.trim());
    if (norm(status.value) !== (d.status ?? null)) patch.status = norm(status.value);
    if (norm(assignee.value) !== (d.assignee ?? null)) patch.assignee = norm(assignee.value);
    if (norm(resolution.value) !== (d.resolution ?? null)) patch.resolution = norm(resolution.value);
    if (norm(ticket.value) !== (d.ticket_id ?? null)) patch.ticket_id = norm(ticket.value);
    if (!Object.keys(patch).length) return toast("Nothing changed.");
    try {
      await api.patch(`/detections/${d.id}`, patch);
      toast("Detection updated");
      reload();
    } catch (e) {
      toast(e.message, "error");
    }
  } },
    h("label", { for: "status" }, "Status"), status,
    h("label", { for: "assignee" }, "Assignee"),
    h("div", { class: "inline" }, assignee,
      h("button", { type: "button", class: "quiet", onclick: () => { assignee.value = me.username; } }, "Me")),
    h("label", { for: "resolution" }, "Resolution"), resolution,
    h("label", { for: "ticket_id" }, "Ticket id"), ticket,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", id: "save-triage" }, "Save")));
}

function noteForm(d, note, reload) {
  const text = h("textarea", { id: "note", rows: 4, "aria-label": "Note", maxlength: 10000 });
  text.value = (note && note.note) || "";
  return h("form", { class: "note", onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      if (text.value.trim()) await api.put(`/detections/${d.id}/notes`, { note: text.value });
      else await api.del(`/detections/${d.id}/notes`);
      toast("Note saved");
      reload();
    } catch (e) {
      toast(e.message, "error");
    }
  } },
    note && note.note
      ? h("p", { class: "muted small" }, `Last written by ${note.author} on ${when(note.update_time)}`)
      : h("p", { class: "muted small" }, "No note yet."),
    text,
    h("div", { class: "buttons" }, h("button", { type: "submit", id: "save-note" }, "Save note")));
}

function ruleParticipant(x) {
  if (!x) return "Any";
  if (x.object_type === "device" && x.object_id) return { object_type: "device", object_id: x.object_id };
  const ip = x.ipaddr || x.object_value;
  return ip ? { object_type: "ipaddr", object_value: ip } : "Any";
}

function hideSimilar(d, me) {
  const off = d.participants.find((x) => x.role === "offender");
  const vic = d.participants.find((x) => x.role === "victim");
  const name = (x) => (x ? x.hostname || x.ipaddr || x.object_value || `device ${x.object_id}` : null);
  // As tuning usually goes: this offender doing this, to any victim.
  const which = (id, text, x, on) => h("label", { class: "check" },
    h("input", { type: "checkbox", id, checked: Boolean(x) && on, disabled: !x }), " ", text, x ? ` ${name(x)}` : " (none)");
  const offBox = which("hide-offender", "Only this offender:", off, true);
  const vicBox = which("hide-victim", "Only this victim:", vic, false);
  const past = h("label", { class: "check" }, h("input", { type: "checkbox", id: "hide-past", checked: true }), " Also hide past detections");
  const dialog = h("dialog", { id: "hide-dialog", "aria-label": "Hide similar detections" },
    h("form", { method: "dialog", onsubmit: async (ev) => {
      if (ev.submitter && ev.submitter.value === "cancel") return;
      ev.preventDefault();
      const body = {
        detection_type: d.type,
        offender: offBox.querySelector("input").checked ? ruleParticipant(off) : "Any",
        victim: vicBox.querySelector("input").checked ? ruleParticipant(vic) : "Any",
        description: `Hidden from detection ${d.id} by ${me.username}`,
        hide_past_detections: past.querySelector("input").checked,
      };
      try {
        const rule = await api.post("/detections/rules/hiding", body);
        dialog.close();
        toast(`Tuning rule ${rule && rule.id ? rule.id + " " : ""}created: similar detections are hidden`);
      } catch (e) {
        toast(e.message, "error");
      }
    } },
      h("h2", {}, "Hide similar detections"),
      h("p", {}, `A tuning rule hides detections of type ${d.type}.`),
      offBox, vicBox, past,
      h("div", { class: "buttons" },
        h("button", { type: "submit", class: "primary", id: "hide-confirm", value: "ok" }, "Create tuning rule"),
        h("button", { type: "submit", value: "cancel", formnovalidate: true }, "Cancel"))));
  const open = h("button", { type: "button", id: "hide-similar", onclick: () => dialog.showModal() }, "Hide similar detections");
  return [open, dialog];
}

function investigationsPanel(d, invs, reload) {
  const pick = h("select", { id: "investigation", "aria-label": "Investigation" }, h("option", { value: "" }, "New investigation…"));
  const name = h("input", { id: "investigation-name", placeholder: "Name", "aria-label": "New investigation name" });
  pick.addEventListener("change", () => { name.hidden = pick.value !== ""; });
  optional(api.get("/investigations")).then((all) => {
    for (const i of all || []) if (!(invs || []).some((x) => x.id === i.id)) pick.append(h("option", { value: i.id }, i.name));
  });
  const add = async () => {
    try {
      if (pick.value) await api.patch(`/investigations/${pick.value}`, { detections_to_add: [d.id] });
      else if (name.value.trim()) await api.post("/investigations", { name: name.value.trim(), event_ids: [d.id] });
      else return toast("Name the new investigation.", "error");
      toast("Added to the investigation");
      reload();
    } catch (e) {
      toast(e.message, "error");
    }
  };
  return section("Investigations",
    invs && invs.length
      ? h("ul", {}, invs.map((i) => h("li", {}, i.name, " ", h("span", { class: "muted" }, label(i.status)))))
      : h("p", { class: "muted" }, invs ? "In no investigation." : "Investigations need the NDR module."),
    h("div", { class: "inline" }, pick, name, h("button", { type: "button", id: "add-investigation", onclick: add }, "Add")));
}

export async function cardPage(main, id, me) {
  const gen = nav.gen;
  let d;
  try {
    d = await api.get(`/detections/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status !== 403) throw e;
    if (gen === nav.gen) noAccess(main, "detections");
    return;
  }
  const internal = isTicketGuid(d.ticket_id);
  const [note, related, invs, settings, own] = await Promise.all([
    optional(api.get(`/detections/${d.id}/notes`)),
    optional(api.get(`/detections/${d.id}/related`)),
    optional(api.get(`/detections/${d.id}/investigations`)),
    internal ? ticketing() : null,
    internal ? optional(sonar.get(`/tickets/${d.ticket_id}`)) : null,
  ]);
  if (gen !== nav.gen) return;
  document.title = `${d.title} · wirewatch`;
  const reload = () => cardPage(main, id, me);
  // An internal ticket opens its page of this app (a new tab, as an external one does).
  const mine = own && own.ticket;
  const ticket = !d.ticket_id
    ? h("p", { class: "ticket muted" }, "No ticket")
    : internal && settings && settings.internal_ticketing_enabled
      ? h("p", { class: "ticket" }, "Ticket ",
        external(`/app#/tickets/${d.ticket_id}`, mine ? `#${mine.id} ${label(mine.status.toLowerCase())}` : d.ticket_id, " ↗"))
      : h("p", { class: "ticket" }, "Ticket ",
        d.ticket_url ? external(d.ticket_url, d.ticket_id, " ↗") : d.ticket_id);
  const props = Object.entries(d.properties || {});
  replace(main, h("article", { class: "card", "aria-labelledby": "card-title" },
    h("p", {}, h("a", { href: "#/detections" }, "← Detections")),
    h("header", { class: "card-head" },
      h("span", { class: "risk big " + riskBand(d.risk_score), title: "Risk score" }, d.risk_score),
      h("div", {},
        h("h1", { id: "card-title" }, d.title),
        h("p", { class: "muted" }, `#${d.id} · ${d.type} · ${d.categories.join(", ")}`,
          d.recommended ? h("span", { class: "tag" }, "recommended") : null),
        h("p", {}, h("span", { class: "status " + (d.status || "open") }, label(d.status, "Open")),
          " · ", d.assignee ? `assigned to ${d.assignee}` : "unassigned",
          d.resolution ? ` · ${label(d.resolution)}` : ""),
        ticket),
      h("div", { class: "actions" }, hideSimilar(d, me))),
    h("div", { class: "card-body" },
      h("div", { class: "col" },
        section("Description", h("p", { class: "prose" }, d.description)),
        section("MITRE ATT&CK",
          d.mitre_techniques.length || d.mitre_tactics.length
            ? h("ul", { class: "mitre" }, [...d.mitre_tactics, ...d.mitre_techniques].map((m) =>
              h("li", {}, m.url ? external(m.url, m.id) : m.id, " ", m.name)))
            : h("p", { class: "muted" }, "None")),
        section("Participants", h("ul", { class: "participants" }, d.participants.map(participantView))),
        section("Properties", props.length
          ? h("table", { class: "props" }, h("tbody", {}, props.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, value(v))))))
          : h("p", { class: "muted" }, "None")),
        section("Timeline", timeline(d, note))),
      h("div", { class: "col side" },
        section("Triage", triageForm(d, me, reload)),
        section("Note", noteForm(d, note, reload)),
        investigationsPanel(d, invs, reload),
        section("Related detections", related && related.length
          ? h("ul", {}, related.slice(0, 50).map((r) => h("li", {},
            h("span", { class: "risk small " + riskBand(r.risk_score) }, r.risk_score), " ",
            h("a", { href: `#/detections/${r.id}` }, r.title), " ", h("span", { class: "muted small" }, when(r.start_time)))))
          : h("p", { class: "muted" }, "None"))))));
  window.scrollTo(0, 0);
  document.getElementById("main").focus({ preventScroll: true });
}
