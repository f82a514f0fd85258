// Settings: Open Data Stream targets (per type, with a health check, the
// delivery counters and the dead letters) and the incident connectors (their
// push counters, failed pushes and a retry).

import { h, replace, short, when, toast } from "./dom.js";
import { api, actions, describeError } from "./api.js";
import { field, check, errorLine, failure, twoStep, panel, table, bars } from "./forms.js";

const KINDS = ["http", "kafka", "mongodb", "raw", "syslog"];
const KIND_NAMES = { http: "HTTP", kafka: "Kafka", mongodb: "MongoDB", raw: "Raw", syslog: "Syslog" };

/** A starting body for the JSON editor of each type (the API's documented fields). */
const TEMPLATES = {
  http: { name: "", host: "", port: 443, protocol: "https", skip_cert_verification: false, pipeline: false },
  kafka: { name: "", brokers: [{ host: "", port: 9092 }], protocol: "tcp", compression: "none", partition_strategy: "round_robin" },
  mongodb: { name: "", host: "", port: 27017, authentication: [] },
  raw: { name: "", host: "", port: 5000, protocol: "tcp", compression: false },
  syslog: { name: "", host: "", port: 514, protocol: "udp" },
};

const isAdmin = (me) => me.roles.system === "full";
const writeFull = (me) => isAdmin(me) || me.roles.write === "full";
const path = (kind, name) => `/odstargets/${kind}/${encodeURIComponent(name)}`;

function where(t) {
  if (t.brokers) return t.brokers.map((b) => `${b.host}:${b.port}`).join(", ");
  return `${t.host}:${t.port}`;
}

/** The delivery counters of a target as bars (the API has totals, no history). */
function counters(st) {
  return bars([
    { label: "sent", value: st.sent, cls: "ok" },
    { label: "retried", value: st.retried, cls: "warn" },
    { label: "failed", value: st.failed, cls: "bad" },
    { label: "dropped", value: st.dropped, cls: "bad" },
    { label: "queued", value: st.queued },
    { label: "dead letters", value: st.dead_letters, cls: "bad" },
  ], "Delivery counters");
}

function healthBadge(hl) {
  if (!hl) return h("span", { class: "health unknown" }, "Not checked");
  return h("span", { class: "health " + (hl.healthy ? "ok" : "bad"), title: `checked ${when(hl.checked_at)}` },
    hl.healthy ? "Healthy" : "Unreachable", h("span", { class: "muted small" }, " " + hl.detail));
}

function targetCard(kind, t, st, reload, me, editor) {
  const healthEl = h("div", { class: "health-line" }, h("span", { class: "muted" }, "Checking…"));
  const check = async () => {
    replace(healthEl, h("span", { class: "muted" }, "Checking…"));
    try {
      replace(healthEl, healthBadge(await api.get(path(kind, t.name) + "/health")));
    } catch (e) {
      replace(healthEl, h("span", { class: "health unknown" }, describeError(e)));
    }
  };
  check();
  const dead = h("div", { class: "dead-letters" });
  const card = h("article", { class: "target", "data-target": `${kind}/${t.name}` },
    h("div", { class: "target-head" },
      h("h3", {}, t.name), h("span", { class: "muted" }, `${KIND_NAMES[kind]} · ${t.protocol || ""} ${where(t)}`),
      h("div", { class: "row-actions" },
        h("button", { type: "button", class: "quiet", "data-action": "health", onclick: check }, "Check health"),
        h("button", { type: "button", class: "quiet", "data-action": "dead", onclick: () => deadLetters(kind, t.name, dead, reload, me) },
          `Dead letters (${st ? st.dead_letters : "?"})`),
        isAdmin(me) ? h("button", { type: "button", class: "quiet", "data-action": "edit", onclick: () => editor(kind, t) }, "Edit") : null,
        isAdmin(me) ? twoStep("Delete", async () => {
          try {
            await api.del(path(kind, t.name));
            toast(`Target ${t.name} deleted.`);
            reload();
          } catch (e) {
            toast(describeError(e), "error");
          }
        }, { "data-action": "delete" }) : null)),
    healthEl,
    st ? h("div", { class: "target-stats" },
      h("figure", { class: "chart-box" }, h("figcaption", {}, "Delivery counters since the target was created"), counters(st)),
      h("dl", { class: "facts" },
        h("dt", {}, "Last delivery"), h("dd", { class: "last-sent" }, st.last_sent_time ? when(st.last_sent_time) : "Never"),
        h("dt", {}, "Last error"), h("dd", {}, st.last_error ? `${st.last_error} (${when(st.last_error_time)})` : "None")))
      : h("p", { class: "muted" }, "No counters."),
    dead);
  return card;
}

async function deadLetters(kind, name, box, reload, me) {
  let list;
  try {
    list = await api.get(path(kind, name) + "/deadletters?limit=100");
  } catch (e) {
    replace(box, failure(e, "the dead letters"));
    return;
  }
  const selected = new Set();
  const replay = async (ids) => {
    try {
      const r = await api.post(path(kind, name) + "/deadletters/replay", ids ? { ids } : {});
      toast(`${r.replayed} dead letter${r.replayed === 1 ? "" : "s"} queued again.`);
      reload();
    } catch (e) {
      toast(describeError(e), "error");
    }
  };
  replace(box, list.length
    ? h("div", {},
      table("dead", ["", "Id", "Sent", "Dead since", "Attempts", "Reason", "Error", "Message"], list.map((d) => ({
        attrs: { "data-dead": d.id },
        cells: [h("input", { type: "checkbox", "aria-label": `Select dead letter ${d.id}`, onchange: (e) => {
          if (e.target.checked) selected.add(d.id); else selected.delete(d.id);
        } }), String(d.id), short(d.create_time), short(d.dead_time), String(d.attempts), d.reason, d.error || "",
        h("code", { class: "clip" }, JSON.stringify(d.message).slice(0, 300))],
      }))),
      isAdmin(me) ? h("div", { class: "buttons" },
        h("button", { type: "button", id: "replay-selected", onclick: () => selected.size && replay([...selected]) }, "Replay selected"),
        h("button", { type: "button", class: "primary", id: "replay-all", onclick: () => replay(null) }, "Replay all")) : null)
    : h("p", { class: "muted" }, "No dead letters."));
}

/** The target form: HTTP as fields, every type as JSON. `existing`: edit (PATCH). */
function targetForm(reload, existing) {
  const box = h("div", {});
  const kindSel = h("select", { id: "target-kind", disabled: Boolean(existing) },
    KINDS.map((k) => h("option", { value: k, selected: existing && existing.kind === k }, KIND_NAMES[k])));
  const t = existing ? existing.target : {};
  const name = h("input", { value: t.name || "", required: true, readonly: Boolean(existing) });
  const host = h("input", { value: t.host || "", required: true, placeholder: "siem.example.com" });
  const port = h("input", { type: "number", min: 1, max: 65535, value: t.port || 443, required: true });
  const protocol = h("select", {}, ["https", "http"].map((p) => h("option", { value: p, selected: t.protocol === p }, p)));
  const skip = check("target-skip-cert", "Do not verify the server's certificate (https only)", t.skip_cert_verification);
  const pipeline = check("target-pipeline", "Several connections at once (messages may arrive out of order)", t.pipeline);
  const header = h("input", { value: t.additional_header && !t.additional_header_set ? t.additional_header : "",
    placeholder: t.additional_header_set ? "Stored (write-only): leave empty to keep it" : "X-Team: soc" });
  const auth = (t.authentication && t.authentication.auth_type) || "none";
  const authType = h("select", {}, [["none", "None"], ["basic", "Basic (username and password)"]]
    .map(([v, x]) => h("option", { value: v, selected: auth === v }, x)));
  const user = h("input", { value: (t.authentication && t.authentication.username) || "", autocomplete: "off" });
  const storedPass = Boolean(existing && t.authentication && t.authentication.password_set);
  const pass = h("input", { type: "password", autocomplete: "new-password", placeholder: storedPass ? "Stored (write-only): leave empty to keep it" : "" });
  const basic = h("div", { class: "grid2", hidden: auth !== "basic" },
    field("target-user", "Username", user), field("target-pass", "Password", pass));
  authType.addEventListener("change", () => { basic.hidden = authType.value !== "basic"; });
  const httpFields = h("div", { class: "http-fields" },
    h("div", { class: "grid3" }, field("target-name", "Name", name), field("target-host", "Host", host),
      field("target-port", "Port", port), field("target-protocol", "Protocol", protocol),
      field("target-header", "Additional header", header, "One \"Key: value\" header sent with every request."),
      field("target-auth", "Authentication", authType)),
    basic, skip.el, pipeline.el);
  const json = h("textarea", { id: "target-json", class: "code", rows: 10, spellcheck: "false" });
  const jsonOf = (k) => {
    if (existing) {
      const copy = { ...existing.target };
      // Secrets come back as `*_set` flags; a PATCH without them keeps them.
      for (const key of Object.keys(copy)) if (key.endsWith("_set")) delete copy[key];
      return JSON.stringify(copy, null, 2);
    }
    return JSON.stringify(TEMPLATES[k], null, 2);
  };
  json.value = jsonOf(kindSel.value);
  const useJson = check("target-use-json", "Edit as JSON (every field of the API, every type)", Boolean(existing) && (existing.kind !== "http" || auth !== "none" && auth !== "basic"));
  const jsonBox = h("div", {}, field("target-json", "Target (JSON body of POST /odstargets/TYPE)", json));
  const sync = () => {
    const isHttp = kindSel.value === "http";
    if (!isHttp) useJson.box.checked = true;
    useJson.box.disabled = !isHttp;
    httpFields.hidden = useJson.box.checked;
    jsonBox.hidden = !useJson.box.checked;
    for (const el of httpFields.querySelectorAll("input, select")) el.required = !useJson.box.checked && el.hasAttribute("data-req");
  };
  for (const el of [name, host, port]) el.setAttribute("data-req", "");
  kindSel.addEventListener("change", () => {
    json.value = jsonOf(kindSel.value);
    sync();
  });
  useJson.box.addEventListener("change", sync);
  const err = errorLine("target-error");
  const body = () => {
    if (useJson.box.checked) {
      try {
        return JSON.parse(json.value);
      } catch (e) {
        throw new Error(`The JSON does not parse: ${e.message}`);
      }
    }
    const b = { name: name.value.trim(), host: host.value.trim(), port: Number(port.value), protocol: protocol.value,
      skip_cert_verification: skip.box.checked, pipeline: pipeline.box.checked };
    if (header.value.trim()) b.additional_header = header.value.trim();
    // Editing: an emptied visible header is removed; a stored secret one is kept.
    else if (existing && t.additional_header && !t.additional_header_set) b.additional_header = null;
    if (authType.value === "basic") {
      b.authentication = { auth_type: "basic", username: user.value };
      // Editing: an empty password keeps the stored one (secrets are write-only).
      if (pass.value || !storedPass) b.authentication.password = pass.value;
    } else if (existing) {
      b.authentication = { auth_type: "none" };
    }
    return b;
  };
  const form = h("form", { class: "panel settings-form", id: "target-form", onsubmit: async (ev) => {
    ev.preventDefault();
    err.clear();
    let b;
    try {
      b = body();
    } catch (e) {
      err.text(e.message);
      return;
    }
    try {
      if (existing) {
        // Changed in place: its queue, counters and dead letters stay.
        await api.patch(path(existing.kind, existing.target.name), b);
      } else {
        await api.post(`/odstargets/${kindSel.value}`, b);
      }
      toast(`Target ${b.name || existing.target.name} ${existing ? "saved" : "created"}.`);
      reload();
    } catch (e) {
      err.show(e);
    }
  } },
    h("h2", {}, existing ? `Edit ${KIND_NAMES[existing.kind]} target ${existing.target.name}` : "New ODS target"),
    existing ? h("p", { class: "muted small" },
      "Saving changes the target in place: messages waiting for it, its counters and its dead letters stay. Secrets are write-only: leave them out to keep the stored ones.") : null,
    field("target-kind", "Type", kindSel), useJson.el, httpFields, jsonBox, err.el,
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary", id: "save-target" }, existing ? "Save target" : "Create target"),
      existing ? h("button", { type: "button", onclick: reload }, "Cancel") : null));
  sync();
  replace(box, form);
  return box;
}

export async function odsSection(reload, me) {
  const all = await api.get("/odstargets");
  const stats = new Map();
  await Promise.all(KINDS.flatMap((k) => (all[k] || []).map(async (t) => {
    try {
      stats.set(`${k}/${t.name}`, await api.get(path(k, t.name) + "/stats"));
    } catch {
      // Shown as "No counters."
    }
  })));
  // One form at a time: the new-target form, or the edited target's in its place.
  const formBox = h("div", { id: "target-editor" },
    isAdmin(me) ? targetForm(reload, null) : h("p", { class: "muted" }, "Creating and deleting targets needs system and access administration privileges."));
  const editor = (kind, target) => {
    replace(formBox, targetForm(reload, { kind, target }));
    formBox.scrollIntoView({ block: "start" });
  };
  const total = KINDS.reduce((a, k) => a + (all[k] || []).length, 0);
  const out = h("div", {},
    h("div", { class: "section-head" },
      h("p", { class: "muted small" }, "Counters are totals since each target was created: the API keeps no delivery history, so they are drawn as bars, not over time."),
      h("button", { type: "button", id: "refresh-ods", onclick: reload }, "Refresh")),
    total === 0 ? h("div", { class: "empty" }, "No ODS targets yet: triggers send with Remote.HTTP('name'), Remote.Kafka, … once one exists.") : null,
    KINDS.filter((k) => (all[k] || []).length).map((k) => panel(`${KIND_NAMES[k]} targets (${all[k].length})`,
      all[k].map((t) => targetCard(k, t, stats.get(`${k}/${t.name}`), reload, me, editor)))),
    formBox);
  return out;
}

// ---------------------------------------------------------------- Connectors

export async function connectorsSection(reload, me) {
  const list = await actions.get("/connectors");
  const stats = new Map();
  await Promise.all(list.map(async (c) => {
    try {
      stats.set(c.id, await actions.get(`/connector/${encodeURIComponent(c.id)}/_stats`));
    } catch {
      // Shown as "No counters."
    }
  }));
  const cards = list.map((c) => {
    const st = stats.get(c.id);
    const failedBox = h("div", { class: "failed-pushes" });
    const showFailed = async () => {
      let f;
      try {
        f = await actions.get(`/connector/${encodeURIComponent(c.id)}/_failed?limit=100`);
      } catch (e) {
        replace(failedBox, failure(e, "the failed pushes"));
        return;
      }
      const retry = async (ids) => {
        try {
          const r = await actions.post(`/connector/${encodeURIComponent(c.id)}/_failed/_replay`, ids ? { ids } : {});
          toast(`${r.replayed} push${r.replayed === 1 ? "" : "es"} queued again.`);
          reload();
        } catch (e) {
          toast(describeError(e), "error");
        }
      };
      replace(failedBox, f.length
        ? h("div", {},
          table("failed", ["Id", "Detection", "Queued", "Failed", "Attempts", "Error", ""], f.map((p) => ({
            attrs: { "data-failed": p.id },
            cells: [String(p.id), h("a", { href: `#/detections/${p.detection_id}` }, String(p.detection_id)),
              short(p.create_time), short(p.failed_time), String(p.attempts), p.error,
              writeFull(me) ? h("button", { type: "button", class: "quiet", onclick: () => retry([p.id]) }, "Retry") : null],
          }))),
          writeFull(me) ? h("div", { class: "buttons" }, h("button", { type: "button", class: "primary", id: "retry-all", onclick: () => retry(null) }, "Retry all")) : null)
        : h("p", { class: "muted" }, "No failed pushes."));
    };
    return h("article", { class: "target", "data-connector": c.id },
      h("div", { class: "target-head" },
        h("h3", {}, c.name), h("span", { class: "muted" }, `${c.connector_type_id} · id ${c.id}`),
        st && st.automatic ? h("span", { class: "tag" }, "automatic ticketing") : null,
        h("div", { class: "row-actions" },
          h("button", { type: "button", class: "quiet", "data-action": "failed", onclick: showFailed },
            `Failed pushes (${st ? st.failed_waiting : "?"})`))),
      st ? h("div", { class: "target-stats" },
        h("figure", { class: "chart-box" }, h("figcaption", {}, "Push counters since the connector was created"),
          bars([
            { label: "created", value: st.created, cls: "ok" }, { label: "updated", value: st.updated, cls: "ok" },
            { label: "comments", value: st.comments }, { label: "synced", value: st.synced },
            { label: "retried", value: st.retried, cls: "warn" }, { label: "failed", value: st.failed, cls: "bad" },
            { label: "queued", value: st.queued },
          ], "Push counters")),
        h("dl", { class: "facts" },
          h("dt", {}, "Incidents"), h("dd", {}, String(c.referenced_by_count ?? "—")),
          h("dt", {}, "Last push"), h("dd", {}, st.last_push_time ? when(st.last_push_time) : "Never"),
          h("dt", {}, "Last error"), h("dd", {}, st.last_error ? `${st.last_error} (${when(st.last_error_time)})` : "None")))
        : h("p", { class: "muted" }, "No counters."),
      failedBox);
  });
  return h("div", {},
    h("p", { class: "muted small" },
      "Connectors are created and changed through the connectors API (/api/actions/connector, Kibana's shape); Ticketing chooses the one automatic incidents go to."),
    list.length ? panel(`Connectors (${list.length})`, cards) : h("div", { class: "empty" }, "No connectors."));
}
