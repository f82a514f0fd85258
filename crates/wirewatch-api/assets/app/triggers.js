// Settings: triggers — the list, an editor with line numbers that shows the
// server's syntax error at its line and column, enable/disable, the devices
// and device groups a trigger is assigned to, its run counters and its debug log.

import { h, replace, short, when, toast } from "./dom.js";
import { api, describeError } from "./api.js";
import { field, check, errorLine, twoStep, panel, table, codeEditor } from "./forms.js";

/** The events wirewatch fires (the API's `events` values). */
const EVENTS = ["DETECTION_UPDATE", "EXTERNAL_DATA", "ALERT_RECORD_COMMIT", "FLOW_TICK",
  "HTTP_REQUEST", "HTTP_RESPONSE", "DNS_REQUEST", "DNS_RESPONSE"];

const STARTER = `// Runs on each event chosen above; a top-level return ends the run.
debug('event', JSON.stringify(ExternalData.body));
`;

/** Where the server's "does not compile: … (line L, column C)" puts the error. */
export function syntaxPosition(message) {
  const m = /\(line (\d+), column (\d+)\)\s*$/.exec(message || "");
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

export async function triggersSection(reload, me, params) {
  const triggers = await api.get("/triggers");
  const editorBox = h("div", { id: "trigger-editor" });
  const open = async (t) => {
    await triggerEditor(editorBox, t, reload);
    editorBox.scrollIntoView({ block: "start" });
  };
  const rows = triggers.map((t) => ({
    attrs: { "data-trigger": t.id, class: t.disabled ? "disabled" : null },
    cells: [String(t.id), h("a", { href: `#/settings/triggers?id=${t.id}` }, t.name), t.events.join(", "),
      t.disabled ? h("span", { class: "status closed" }, "Disabled") : "Enabled", t.debug ? "On" : "Off",
      t.owner || t.author, short(t.mod_time),
      h("div", { class: "row-actions" },
        h("button", { type: "button", class: "quiet", "data-action": "toggle", onclick: async () => {
          try {
            await api.patch(`/triggers/${t.id}`, { disabled: !t.disabled });
            toast(`Trigger ${t.name} ${t.disabled ? "enabled" : "disabled"}.`);
            reload();
          } catch (e) {
            toast(describeError(e), "error");
          }
        } }, t.disabled ? "Enable" : "Disable"),
        twoStep("Delete", async () => {
          try {
            await api.del(`/triggers/${t.id}`);
            toast(`Trigger ${t.name} deleted.`);
            location.hash = "#/settings/triggers";
            reload();
          } catch (e) {
            toast(describeError(e), "error");
          }
        }, { "data-action": "delete" }))],
  }));
  const out = h("div", {},
    panel(`Triggers (${triggers.length})`,
      triggers.length
        ? table("triggers", ["Id", "Name", "Events", "State", "Debug", "Runs as", "Changed", ""], rows)
        : h("p", { class: "muted" }, "No triggers."),
      h("div", { class: "buttons" }, h("button", { type: "button", id: "new-trigger", onclick: () => open(null) }, "New trigger"))),
    editorBox);
  const want = Number(params.get("id"));
  const chosen = triggers.find((t) => t.id === want);
  if (chosen) await triggerEditor(editorBox, chosen, reload);
  return out;
}

async function triggerEditor(box, t, reload) {
  const name = h("input", { value: t ? t.name : "", required: true, maxlength: 255 });
  const description = h("input", { value: t ? t.description : "" });
  const events = EVENTS.map((e) => check(`event-${e}`, e, t ? t.events.includes(e) : e === "EXTERNAL_DATA", { value: e }));
  const debug = check("trigger-debug", "Write debug(...) lines to the debug log", t ? t.debug : true);
  const disabled = check("trigger-disabled", "Disabled", t ? t.disabled : false);
  const applyAll = check("trigger-apply-all", "Applies to all devices", t ? t.apply_all : true);
  const code = codeEditor("trigger-script", t ? t.script : STARTER);
  const err = errorLine("trigger-error");
  const warn = h("p", { class: "warning", id: "trigger-warning", hidden: true });
  const save = async (ev) => {
    ev.preventDefault();
    err.clear();
    warn.hidden = true;
    code.mark(null);
    const body = {
      name: name.value, description: description.value,
      events: events.filter((c) => c.box.checked).map((c) => c.box.value),
      debug: debug.box.checked, disabled: disabled.box.checked, apply_all: applyAll.box.checked,
      script: code.area.value,
    };
    try {
      if (t) {
        await api.patch(`/triggers/${t.id}`, body);
        toast(`Trigger ${body.name} saved.`);
        reload();
      } else {
        const made = await api.post("/triggers", body);
        toast(`Trigger ${made.name} created.`);
        if (made.warnings && made.warnings.length) toast(made.warnings.join(" "), "error");
        location.hash = `#/settings/triggers?id=${made.id}`;
      }
    } catch (e) {
      const pos = e.field === "script" ? syntaxPosition(e.message) : null;
      if (pos) {
        const what = e.message.replace(/^script: /, "").replace(/\s*\(line \d+, column \d+\)\s*$/, "");
        err.text(`Line ${pos.line}, column ${pos.column}: ${what}`);
        err.el.dataset.line = pos.line;
        err.el.dataset.column = pos.column;
        code.mark(pos.line);
      } else {
        err.show(e);
      }
    }
  };
  const form = h("form", { class: "panel settings-form", id: "trigger-form", onsubmit: save },
    h("h2", {}, t ? `Trigger ${t.id}: ${t.name}` : "New trigger"),
    h("div", { class: "grid2" }, field("trigger-name", "Name", name), field("trigger-description", "Description", description)),
    h("fieldset", { class: "events" }, h("legend", {}, "Runs on"), events.map((c) => c.el)),
    h("div", { class: "inline-checks" }, debug.el, disabled.el),
    h("div", { class: "field" }, h("label", { for: "trigger-script" }, "Script (JavaScript)"), code.el),
    err.el, warn,
    h("fieldset", { class: "assignment", id: "trigger-assignment" }, h("legend", {}, "Assigned to"),
      applyAll.el,
      h("p", { class: "muted small" },
        "Unchecked, the trigger runs only for events about the devices below, or members of the groups below: a detection's participants, an alert's device, a flow's client or server. EXTERNAL_DATA runs it either way."),
      t ? await assignment(t) : h("p", { class: "muted small" }, "Save the trigger to assign devices and device groups.")),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", id: "save-trigger" }, t ? "Save" : "Create trigger"),
      h("button", { type: "button", onclick: () => { location.hash = "#/settings/triggers"; replace(box); } }, "Close")));
  replace(box, form);
  if (t) box.append(await runInfo(t));
}

function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function deviceName(d) {
  return d.display_name || d.default_name || `device ${d.id}`;
}

/** The devices and device groups assigned to a trigger: each removable,
 * devices added by search, groups by select (changed at once, through
 * /triggers/{id}/devices and /triggers/{id}/devicegroups). */
async function assignment(t) {
  const box = h("div", { id: "trigger-assigned" });
  const err = errorLine("assign-error");
  // The devices assigned now: the search shows them as assigned, not as
  // something to add.
  let assigned = new Set();
  const change = async (seg, body) => {
    err.clear();
    try {
      await api.post(`/triggers/${t.id}/${seg}`, body);
      await draw();
      if (q.value.trim()) await search();
    } catch (e) {
      err.show(e);
    }
  };
  const q = h("input", { id: "assign-device-q", placeholder: "Name, IP or MAC address", autocomplete: "off" });
  const results = h("ul", { class: "chips", id: "assign-device-results" });
  const search = async () => {
    const text = q.value.trim();
    if (!text) return replace(results);
    err.clear();
    try {
      const found = await api.post("/devices/search", {
        limit: 10,
        filter: { operator: "or", rules: [
          { field: "name", operator: "~", operand: escapeRegex(text) },
          { field: "ipaddr", operator: "startswith", operand: text },
          { field: "macaddr", operator: "startswith", operand: text },
        ] },
      });
      const label = (d) => `${deviceName(d)}${d.ipaddr4 ? " (" + d.ipaddr4 + ")" : ""}`;
      replace(results, found.length ? found.map((d) => assigned.has(d.id)
        ? h("li", { class: "muted small", "data-assigned": d.id }, `✓ ${label(d)}: assigned`)
        : h("li", {},
          h("button", { type: "button", class: "quiet", "data-device": d.id,
            onclick: () => change("devices", { assign: [d.id] }) },
          `+ ${label(d)}`)))
        : h("li", { class: "muted small" }, "No device matches."));
    } catch (e) {
      err.show(e);
    }
  };
  q.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); search(); } });
  const groupSel = h("select", { id: "assign-group", "aria-label": "Device group" });
  const draw = async () => {
    const [devices, groups, all] = await Promise.all([
      api.get(`/triggers/${t.id}/devices`),
      api.get(`/triggers/${t.id}/devicegroups`),
      api.get("/devicegroups").catch(() => []),
    ]);
    const mine = new Set(groups.map((g) => g.id));
    assigned = new Set(devices.map((d) => d.id));
    replace(groupSel, h("option", { value: "" }, "Add a device group…"),
      all.filter((g) => !mine.has(g.id)).map((g) => h("option", { value: g.id }, g.name)));
    replace(box,
      devices.length || groups.length
        ? h("ul", { class: "chips", id: "assigned-list" },
          devices.map((d) => h("li", { "data-device": d.id }, "Device ", h("strong", {}, deviceName(d)),
            h("button", { type: "button", class: "quiet", "data-action": "unassign", "aria-label": `Unassign ${deviceName(d)}`,
              onclick: () => change("devices", { unassign: [d.id] }) }, "×"))),
          groups.map((g) => h("li", { "data-group": g.id }, "Group ", h("strong", {}, g.name),
            h("button", { type: "button", class: "quiet", "data-action": "unassign", "aria-label": `Unassign ${g.name}`,
              onclick: () => change("devicegroups", { unassign: [g.id] }) }, "×"))))
        : h("p", { class: "muted small", id: "assigned-none" }, "No device or group assigned."));
  };
  await draw();
  return h("div", {}, box,
    h("div", { class: "grid2" },
      h("div", { class: "field" }, h("label", { for: "assign-device-q" }, "Add devices"),
        h("div", { class: "inline" }, q, h("button", { type: "button", id: "assign-device-search", onclick: search }, "Search")),
        results),
      h("div", { class: "field" }, h("label", { for: "assign-group" }, "Add a device group"),
        h("div", { class: "inline" }, groupSel,
          h("button", { type: "button", id: "assign-group-add",
            onclick: () => groupSel.value && change("devicegroups", { assign: [Number(groupSel.value)] }) }, "Add")))),
    err.el);
}

/** The trigger's run counters and debug log (newest first). */
async function runInfo(t) {
  const logBox = h("div", { id: "debug-log" });
  const statsBox = h("div", {});
  const draw = async () => {
    try {
      const [lines, st] = await Promise.all([
        api.get(`/triggers/${t.id}/debuglog?limit=200`),
        api.get(`/triggers/${t.id}/stats`).catch(() => null),
      ]);
      replace(statsBox, st ? h("dl", { class: "facts inline-facts", id: "trigger-stats" },
        h("dt", {}, "Runs"), h("dd", {}, String(st.runs)),
        h("dt", {}, "Errors"), h("dd", {}, String(st.errors)),
        h("dt", {}, "Over budget"), h("dd", {}, String(st.budget_exceeded)),
        h("dt", {}, "Mean run"), h("dd", {}, st.runs ? `${Math.round(st.total_us / st.runs)} µs` : "—"),
        h("dt", {}, "Longest run"), h("dd", {}, `${st.max_us} µs`),
        h("dt", {}, "Last run"), h("dd", {}, st.last_run_time ? when(st.last_run_time) : "Never"),
        st.last_error ? [h("dt", {}, "Last error"), h("dd", {}, st.last_error)] : null)
        : null);
      replace(logBox, lines.length
        ? h("ol", { class: "log" }, [...lines].sort((a, b) => b.id - a.id).map((l) =>
          h("li", { class: "level-" + l.level, "data-level": l.level },
            h("time", {}, short(l.time)), " ", h("span", { class: "lvl" }, l.level), " ",
            l.event ? h("span", { class: "muted" }, l.event + " ") : null, h("span", { class: "text" }, l.message))))
        : h("p", { class: "muted" }, "The debug log is empty."));
    } catch (e) {
      replace(logBox, h("p", { class: "error" }, describeError(e)));
    }
  };
  await draw();
  return panel("Runs and debug log", statsBox,
    h("div", { class: "buttons" },
      h("button", { type: "button", id: "refresh-log", onclick: draw }, "Refresh"),
      twoStep("Clear log", async () => {
        try {
          await api.del(`/triggers/${t.id}/debuglog`);
          draw();
        } catch (e) {
          toast(describeError(e), "error");
        }
      })),
    logBox);
}
