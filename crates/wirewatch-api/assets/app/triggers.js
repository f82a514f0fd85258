// Settings: triggers — the list, an editor with line numbers that shows the
// server's syntax error at its line and column, enable/disable, what a
// trigger applies to, its run counters and its debug log.

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
      debug: debug.box.checked, disabled: disabled.box.checked, script: code.area.value,
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
    h("p", { class: "muted small", id: "trigger-assignment" },
      "Applies to: ", h("strong", {}, t && !t.apply_all ? "selected devices (stored; not enforced)" : "all devices"),
      ". wirewatch runs every enabled trigger on all traffic of its events; the API has no per-device or device-group assignment (ExtraHop's /triggers/{id}/devices is not implemented)."),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", id: "save-trigger" }, t ? "Save" : "Create trigger"),
      h("button", { type: "button", onclick: () => { location.hash = "#/settings/triggers"; replace(box); } }, "Close")));
  replace(box, form);
  if (t) box.append(await runInfo(t));
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
