// The Settings pages (#/settings/SECTION): ticketing, users and their API
// keys, ODS targets, connectors, triggers, tuning rules. Each section reads
// and writes through the API routes of its objects, so the server's own
// privilege rule decides; the sections a user's roles cannot use are left out
// of the menu, and a refusal the server answers anyway is shown as such.

import { h, replace, short, label, toast, nav } from "./dom.js";
import { api, actions, describeError } from "./api.js";
import { field, check, errorLine, failure, twoStep, panel, table } from "./forms.js";
import { odsSection, connectorsSection } from "./ods.js";
import { triggersSection } from "./triggers.js";

const isAdmin = (me) => Boolean(me && me.roles && me.roles.system === "full");
const writeFull = (me) => isAdmin(me) || Boolean(me && me.roles && me.roles.write === "full");
const hasModule = (me) => isAdmin(me) || me.roles.ndr === "full" || me.roles.npm === "full";

/** The sections, each with who may use it (what the API's rule for its routes needs). */
const SECTIONS = [
  ["ticketing", "Ticketing", isAdmin, "the ticketing settings"],
  ["users", "Users and API keys", isAdmin, "users and API keys"],
  ["ods", "ODS targets", writeFull, "ODS targets"],
  ["connectors", "Connectors", writeFull, "connectors"],
  ["triggers", "Triggers", writeFull, "triggers"],
  ["rules", "Tuning rules", (me) => writeFull(me) && hasModule(me), "tuning rules"],
];

/** The sections this user's roles allow. */
export function settingsSections(me) {
  return me ? SECTIONS.filter(([, , allowed]) => allowed(me)) : [];
}

/** Whether the top bar shows Settings. */
export function canSettings(me) {
  return settingsSections(me).length > 0;
}

export async function settingsPage(main, section, params, me) {
  const mine = settingsSections(me);
  // A user with no section still gets the page they asked for: the API answers it (with a 403).
  const name = section || (mine[0] ? mine[0][0] : "users");
  const known = SECTIONS.find(([n]) => n === name);
  document.title = `Settings${known ? " · " + known[1] : ""} · wirewatch`;
  const gen = nav.gen;
  const body = h("div", { class: "settings-body", id: "settings-" + name }, h("p", { class: "muted" }, "Loading…"));
  const menu = h("nav", { class: "settings-nav", "aria-label": "Settings" },
    mine.map(([n, text]) => h("a", { href: "#/settings/" + n, "aria-current": n === name ? "page" : null }, text)));
  replace(main, h("div", { class: "settings" }, h("div", {}, h("h1", {}, "Settings"), menu), body));
  const reload = () => {
    if (gen === nav.gen) settingsPage(main, name, params, me);
  };
  let content;
  try {
    switch (name) {
      case "ticketing": content = await ticketingSection(reload); break;
      case "users": content = await usersSection(reload, me); break;
      case "ods": content = await odsSection(reload, me, params); break;
      case "connectors": content = await connectorsSection(reload, me, params); break;
      case "triggers": content = await triggersSection(reload, me, params); break;
      case "rules": content = await rulesSection(reload); break;
      default: content = h("div", { class: "error", role: "alert" }, `No settings section "${name}".`);
    }
  } catch (e) {
    content = failure(e, known ? known[3] : name);
  }
  if (gen !== nav.gen) return;
  replace(body, content);
}

// ---------------------------------------------------------------- Ticketing

async function ticketingSection(reload) {
  const [t, connectors] = await Promise.all([
    api.get("/extrahop/ticketing"),
    actions.get("/connectors").catch(() => []),
  ]);
  const mode = t.external_ticketing_enabled ? "external" : t.internal_ticketing_enabled ? "internal" : "off";
  const radio = (value, text, hint) => h("label", { class: "check" },
    h("input", { type: "radio", name: "tracking", value, id: "tracking-" + value, checked: mode === value }), " ", text,
    h("span", { class: "muted small" }, " — " + hint));
  const url = h("input", { id: "url-template", value: t.url_template || "", placeholder: "https://tickets.example.com/browse/$ticket_id" });
  const usable = (connectors || []).filter((c) => c.connector_type_id !== ".webhook");
  const connector = h("select", { id: "ticket-connector" },
    h("option", { value: "" }, "None: tickets are linked by id only"),
    usable.map((c) => h("option", { value: c.id, selected: c.id === t.connector_id }, `${c.name} (${c.connector_type_id})`)));
  const err = errorLine("ticketing-error");
  const form = h("form", { class: "panel settings-form", id: "ticketing-form", onsubmit: async (ev) => {
    ev.preventDefault();
    err.clear();
    const m = form.querySelector("input[name=tracking]:checked").value;
    try {
      await api.patch("/extrahop/ticketing", {
        external_ticketing_enabled: m === "external",
        internal_ticketing_enabled: m === "internal",
        url_template: url.value.trim() || null,
        connector_id: connector.value || null,
      });
      toast("Ticketing settings saved.");
      reload();
    } catch (e) {
      err.show(e);
    }
  } },
    h("h2", {}, "Ticket tracking"),
    h("fieldset", {}, h("legend", {}, "Detections are tracked"),
      radio("off", "Not tracked", "no ticket ids"),
      radio("external", "In an external ticketing system", "ids set through the API or pushed by a connector"),
      radio("internal", "Internally", "status and assignee are kept here")),
    field("url-template", "Ticket URL template", url, "Must contain $ticket_id; the detection card links to it."),
    field("ticket-connector", "Connector for automatic incidents (external tracking)", connector,
      usable.length ? "Jira, ServiceNow and case-management webhook connectors can hold incidents." : "No connector that can hold incidents exists yet (see Connectors)."),
    err.el,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", id: "save-ticketing" }, "Save")));
  return h("div", {}, form);
}

// ---------------------------------------------------------------- Users

const ROLE_CHOICES = {
  access: [["", "No access"], ["system:full", "System and access administration"], ["write:full", "Full write"],
    ["write:limited", "Limited write"], ["write:personal", "Personal write"], ["metrics:full", "Full read-only"],
    ["metrics:restricted", "Restricted read-only"]],
  ndr: [["", "None"], ["full", "Full"]],
  npm: [["", "None"], ["full", "Full"]],
  packets: [["", "None"], ["full", "Packets"], ["full_with_keys", "Packets and session keys"], ["slices_only", "Packet slices only"]],
};

function accessOf(roles) {
  for (const k of ["system", "write", "metrics"]) if (roles[k]) return `${k}:${roles[k]}`;
  return "";
}

function rolesText(roles) {
  const parts = [];
  const a = accessOf(roles);
  parts.push(a ? (ROLE_CHOICES.access.find(([v]) => v === a) || [a, a])[1] : "No access");
  if (roles.ndr === "full") parts.push("NDR");
  if (roles.npm === "full") parts.push("NPM");
  if (roles.packets) parts.push(label(roles.packets));
  return parts.join(", ");
}

/** The role selects, prefilled from `roles`; `read()` gives granted_roles. */
function roleFields(prefix, roles) {
  const sel = (k, value) => h("select", { id: `${prefix}-${k}` },
    ROLE_CHOICES[k].map(([v, t]) => h("option", { value: v, selected: v === value }, t)));
  const access = sel("access", accessOf(roles));
  const ndr = sel("ndr", roles.ndr === "full" ? "full" : "");
  const npm = sel("npm", roles.npm === "full" ? "full" : "");
  const packets = sel("packets", roles.packets || "");
  return {
    el: h("div", { class: "role-fields" },
      field(`${prefix}-access`, "System access", access), field(`${prefix}-ndr`, "NDR module", ndr),
      field(`${prefix}-npm`, "NPM module", npm), field(`${prefix}-packets`, "Packets", packets)),
    read() {
      const r = {};
      if (access.value) {
        const [k, v] = access.value.split(":");
        r[k] = v;
      }
      if (ndr.value) r.ndr = ndr.value;
      if (npm.value) r.npm = npm.value;
      if (packets.value) r.packets = packets.value;
      return r;
    },
  };
}

/** A new key, shown once with a way to copy it. */
function newKey(key, where) {
  const input = h("input", { readonly: true, value: key.key, class: "code", id: "new-key", "aria-label": "The new API key" });
  replace(where, h("div", { class: "new-key", role: "status" },
    h("strong", {}, `API key ${key.id} for ${key.username}: copy it now, it is not shown again.`),
    h("div", { class: "inline" }, input,
      h("button", { type: "button", onclick: async () => {
        try {
          await navigator.clipboard.writeText(key.key);
          toast("Copied.");
        } catch {
          input.select();
        }
      } }, "Copy"))));
}

async function usersSection(reload, me) {
  const first = await api.get("/users");
  const listBox = h("div", {});
  const keysBox = h("div", { id: "user-keys" });
  const detail = h("div", { id: "user-detail" });
  // The list is drawn again in place after a create, so a key shown once stays on the page.
  const drawList = async (given) => {
    let users = given;
    if (!users) {
      try {
        users = await api.get("/users");
      } catch (e) {
        replace(listBox, failure(e, "users"));
        return;
      }
    }
    const rows = users.map((u) => {
      const toggle = h("button", { type: "button", class: "quiet", "data-action": "toggle", onclick: async () => {
        try {
          await api.patch(`/users/${encodeURIComponent(u.username)}`, { enabled: !u.enabled });
          toast(`${u.username} ${u.enabled ? "disabled" : "enabled"}.`);
          reload();
        } catch (e) {
          toast(describeError(e), "error");
        }
      } }, u.enabled ? "Disable" : "Enable");
      const self = u.username === me.username;
      return {
        attrs: { "data-user": u.username, class: u.enabled ? null : "disabled" },
        cells: [
          h("strong", {}, u.username), u.name, label(u.type), u.enabled ? "Enabled" : h("span", { class: "status closed" }, "Disabled"),
          rolesText(u.granted_roles), h("span", { class: "nowrap" }, short(u.date_joined)),
          h("div", { class: "row-actions" },
            h("button", { type: "button", class: "quiet", "data-action": "edit", onclick: () => editUser(u, detail, reload) }, "Edit"),
            h("button", { type: "button", class: "quiet", "data-action": "keys", onclick: () => showKeys(u, keysBox) }, "API keys"),
            self ? null : toggle,
            self ? null : twoStep("Delete", async () => {
              try {
                await api.del(`/users/${encodeURIComponent(u.username)}`);
                toast(`User ${u.username} deleted.`);
                reload();
              } catch (e) {
                toast(describeError(e), "error");
              }
            }, { "data-action": "delete" })),
        ],
      };
    });
    replace(listBox, panel(`Users (${users.length})`,
      table("users", ["Username", "Name", "Type", "State", "Privileges", "Joined", ""], rows)));
  };
  await drawList(first);
  return h("div", {}, listBox, detail, keysBox, createUserForm(drawList));
}

function editUser(u, where, reload) {
  const name = h("input", { value: u.name });
  const password = h("input", { type: "password", autocomplete: "new-password", placeholder: "Leave empty to keep it" });
  const roles = roleFields("edit", u.granted_roles);
  const err = errorLine("edit-user-error");
  replace(where, h("form", { class: "panel settings-form", id: "edit-user", onsubmit: async (ev) => {
    ev.preventDefault();
    err.clear();
    const patch = { name: name.value.trim(), granted_roles: roles.read() };
    if (password.value) patch.password = password.value;
    try {
      await api.patch(`/users/${encodeURIComponent(u.username)}`, patch);
      toast(`${u.username} saved${password.value ? " (password reset)" : ""}.`);
      reload();
    } catch (e) {
      err.show(e);
    }
  } },
    h("h2", {}, `Edit ${u.username}`),
    h("div", { class: "grid2" },
      field("edit-name", "Display name", name),
      field("edit-password", "New password (reset)", password, "At least 8 characters.")),
    roles.el, err.el,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", id: "save-user" }, "Save"),
      h("button", { type: "button", onclick: () => replace(where) }, "Cancel"))));
  where.scrollIntoView({ block: "nearest" });
}

async function showKeys(u, where) {
  const shown = h("div", {});
  const draw = async () => {
    let keys;
    try {
      keys = await api.get(`/users/${encodeURIComponent(u.username)}/apikeys`);
    } catch (e) {
      replace(where, failure(e, `the API keys of ${u.username}`));
      return;
    }
    const desc = h("input", { id: "key-description", placeholder: `issued by an administrator` });
    replace(where, panel(`API keys of ${u.username}`,
      keys.length
        ? table("keys", ["Id", "Description", "Key", "Added", ""], keys.map((k) => ({
          attrs: { "data-key": k.id },
          cells: [String(k.id), k.description, h("code", {}, k.key), short(k.time_added),
            twoStep("Revoke", async () => {
              try {
                await api.del(`/apikeys/${k.id}`);
                toast(`Key ${k.id} revoked.`);
                draw();
              } catch (e) {
                toast(describeError(e), "error");
              }
            }, { "data-action": "revoke" })],
        })))
        : h("p", { class: "muted" }, "No API keys."),
      h("form", { class: "inline issue-key", onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const body = desc.value.trim() ? { description: desc.value.trim() } : {};
          const k = await api.post(`/users/${encodeURIComponent(u.username)}/apikeys`, body);
          await draw();
          newKey(k, shown);
        } catch (e) {
          toast(describeError(e), "error");
        }
      } }, desc, h("button", { type: "submit", id: "issue-key" }, "Issue a key")),
      shown));
  };
  await draw();
  where.scrollIntoView({ block: "nearest" });
}

function createUserForm(drawList) {
  const username = h("input", { autocomplete: "off", required: true, maxlength: 64 });
  const name = h("input", { autocomplete: "off" });
  const password = h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 8 });
  const roles = roleFields("new", {});
  const withKey = check("new-with-key", "Also issue an API key (shown once)", false);
  const err = errorLine("new-user-error");
  const shown = h("div", {});
  const form = h("form", { class: "panel settings-form", id: "new-user", onsubmit: async (ev) => {
    ev.preventDefault();
    err.clear();
    try {
      const u = await api.post("/users", {
        username: username.value.trim(), name: name.value.trim() || undefined, password: password.value,
        granted_roles: roles.read(), create_apikey: withKey.box.checked,
      });
      toast(`User ${u.username} created.`);
      form.reset();
      replace(shown);
      if (u.apikey) newKey(u.apikey, shown);
      await drawList();
    } catch (e) {
      err.show(e);
    }
  } },
    h("h2", {}, "New user"),
    h("div", { class: "grid3" },
      field("new-username", "Username", username), field("new-name", "Display name", name),
      field("new-password", "Password", password, "At least 8 characters.")),
    roles.el, withKey.el, err.el,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", id: "create-user" }, "Create user")),
    shown);
  return form;
}

// ---------------------------------------------------------------- Tuning rules

function participantText(p) {
  if (!p || p === "Any" || typeof p === "string") return "Any";
  if (p.object_type === "ipaddr") return [].concat(p.object_value).join(", ");
  const v = p.object_value ?? p.object_id ?? p.object_locality ?? p.object_hostname ?? p.object_username ?? p.object_scanner;
  return `${label(p.object_type)} ${Array.isArray(v) ? v.join(", ") : v ?? ""}`.trim();
}

function participantOf(text) {
  const t = text.trim();
  if (!t || t.toLowerCase() === "any") return "Any";
  return { object_type: "ipaddr", object_value: t };
}

async function rulesSection(reload) {
  const [rules, formats] = await Promise.all([
    api.get("/detections/rules/hiding"),
    api.get("/detections/formats").catch(() => []),
  ]);
  const names = new Map([["all_security", "All security detections"], ["all_performance", "All performance detections"],
    ...formats.map((f) => [f.type, f.display_name])]);
  const rows = rules.map((r) => ({
    attrs: { "data-rule": r.id, class: r.enabled ? null : "disabled" },
    cells: [String(r.id), names.get(r.detection_type) || r.detection_type, participantText(r.offender), participantText(r.victim),
      r.description || "", r.enabled ? "Enabled" : h("span", { class: "status closed" }, "Disabled"),
      r.expiration ? short(r.expiration) : "Never", String(r.detections_hidden), r.author,
      h("div", { class: "row-actions" },
        h("button", { type: "button", class: "quiet", "data-action": "toggle", onclick: async () => {
          try {
            await api.patch(`/detections/rules/hiding/${r.id}`, { enabled: !r.enabled });
            toast(`Tuning rule ${r.id} ${r.enabled ? "disabled" : "enabled"}.`);
            reload();
          } catch (e) {
            toast(describeError(e), "error");
          }
        } }, r.enabled ? "Disable" : "Enable"),
        twoStep("Delete", async () => {
          try {
            await api.del(`/detections/rules/hiding/${r.id}`);
            toast(`Tuning rule ${r.id} deleted.`);
            reload();
          } catch (e) {
            toast(describeError(e), "error");
          }
        }, { "data-action": "delete" }))],
  }));
  const type = h("select", { required: true },
    h("option", { value: "all_security" }, "All security detections"),
    h("option", { value: "all_performance" }, "All performance detections"),
    [...formats].sort((a, b) => a.display_name.localeCompare(b.display_name))
      .map((f) => h("option", { value: f.type }, f.display_name)));
  const offender = h("input", { placeholder: "Any, or an IP address / CIDR" });
  const victim = h("input", { placeholder: "Any, or an IP address / CIDR" });
  const description = h("input", {});
  const expires = h("input", { type: "datetime-local" });
  const past = check("rule-past", "Also hide detections raised before the rule", true);
  const err = errorLine("rule-error");
  const form = h("form", { class: "panel settings-form", id: "new-rule", onsubmit: async (ev) => {
    ev.preventDefault();
    err.clear();
    const exp = Date.parse(expires.value || "");
    try {
      const r = await api.post("/detections/rules/hiding", {
        detection_type: type.value, offender: participantOf(offender.value), victim: participantOf(victim.value),
        description: description.value.trim() || undefined, hide_past_detections: past.box.checked,
        expiration: Number.isNaN(exp) ? undefined : exp,
      });
      toast(`Tuning rule ${r.id} created.`);
      reload();
    } catch (e) {
      err.show(e);
    }
  } },
    h("h2", {}, "New tuning rule"),
    h("div", { class: "grid3" },
      field("rule-type", "Detection type", type), field("rule-offender", "Offender", offender),
      field("rule-victim", "Victim", victim), field("rule-description", "Description", description),
      field("rule-expires", "Expires (empty: never)", expires)),
    past.el, err.el,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", id: "create-rule" }, "Create tuning rule")));
  return h("div", {},
    panel(`Tuning rules (${rules.length})`, rules.length
      ? table("rules", ["Id", "Type", "Offender", "Victim", "Description", "State", "Expires", "Hidden", "Author", ""], rows)
      : h("p", { class: "muted" }, "No tuning rules: every detection is shown.")),
    form);
}
