// The Devices page (#/devices?q=&filter=&page=): search with a quick text
// field or the device filter grammar of POST /devices/search, a count and
// pages; and a device's page (#/devices/ID?range=): its names, tags,
// observations, detections, metric charts over a time range and its peers
// (activity maps) drawn as a graph.

import { h, replace, short, when, label, riskBand, nav } from "./dom.js";
import { api, describeError } from "./api.js";
import { lines, compact } from "./chart.js";
import { peerGraph } from "./peers.js";

const PAGE_SIZE = 50;
/** The count stops here (the API's largest page). */
const COUNT_CAP = 10000;
const optional = (p) => p.catch(() => null);

/** A page the user may not see: say so instead of a broken page. */
export function noAccess(main, what) {
  replace(main, h("div", { class: "empty", role: "alert", id: "no-access" },
    h("strong", {}, "You do not have access to " + what + "."),
    h("p", {}, "Your user's privileges do not include it; an administrator can change them.")));
}

function escapeRegex(t) {
  return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The quick search as a device filter: a name, or the start of an address. */
function quickFilter(q) {
  return {
    operator: "or", rules: [
      { field: "name", operator: "~", operand: escapeRegex(q) },
      { field: "ipaddr", operator: "startswith", operand: q },
      { field: "macaddr", operator: "startswith", operand: q },
    ],
  };
}

/** The filter of the page's parameters, or throws a message naming the part at fault. */
function filterOf(p) {
  const rules = [];
  const q = (p.get("q") || "").trim();
  if (q) rules.push(quickFilter(q));
  const raw = (p.get("filter") || "").trim();
  if (raw) {
    let f;
    try {
      f = JSON.parse(raw);
    } catch (e) {
      throw Object.assign(new Error(`The filter is not JSON: ${e.message}`), { field: "filter" });
    }
    rules.push(f);
  }
  if (!rules.length) return null;
  return rules.length === 1 ? rules[0] : { operator: "and", rules };
}

function deviceName(d) {
  return d.display_name || d.default_name || `device ${d.id}`;
}

function searchForm(p, error) {
  const q = h("input", { id: "d-q", name: "q", value: p.get("q") || "", placeholder: "Name, IP or MAC address", autocomplete: "off" });
  const filter = h("textarea", { id: "d-filter", name: "filter", rows: 5, spellcheck: "false", class: "code",
    placeholder: '{"field": "vendor", "operator": "~", "operand": "cisco"}' });
  filter.value = p.get("filter") || "";
  const advanced = h("details", { open: Boolean(p.get("filter")) || undefined },
    h("summary", {}, "Device filter (JSON)"),
    h("label", { for: "d-filter" }, "The filter grammar of POST /devices/search: {field, operator, operand} or {operator: and|or|not, rules}"),
    filter);
  return h("form", { class: "searchbar", "aria-label": "Search devices", onsubmit: (ev) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    if (q.value.trim()) next.set("q", q.value.trim());
    if (filter.value.trim()) next.set("filter", filter.value.trim());
    location.hash = "#/devices?" + next.toString();
  } },
    h("div", { class: "inline" }, q,
      h("button", { type: "submit", class: "primary", id: "d-search" }, "Search"),
      h("a", { href: "#/devices", class: "button quiet" }, "Clear")),
    advanced,
    error ? h("p", { class: "error", role: "alert", id: "d-error" }, describeError(error)) : null);
}

export async function devicesPage(main, p) {
  document.title = "Devices · wirewatch";
  const gen = nav.gen;
  const page = Math.max(1, parseInt(p.get("page") || "1", 10) || 1);
  let filter = null;
  let error = null;
  let ids = [];
  let rows = [];
  try {
    filter = filterOf(p);
    const body = filter ? { filter } : {};
    [ids, rows] = await Promise.all([
      api.post("/devices/search", { ...body, limit: COUNT_CAP, result_fields: ["id"] }),
      api.post("/devices/search", { ...body, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    ]);
  } catch (e) {
    if (e.status === 403 || e.status === 401) {
      if (gen === nav.gen) noAccess(main, "devices");
      return;
    }
    error = e;
  }
  if (gen !== nav.gen) return;
  const total = ids.length;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const link = (n, text) => {
    const q = new URLSearchParams(p);
    q.set("page", n);
    return h("a", { href: "#/devices?" + q.toString(), class: "button quiet" }, text);
  };
  const countText = total >= COUNT_CAP ? `${COUNT_CAP}+ devices` : `${total} ${total === 1 ? "device" : "devices"}`;
  replace(main, h("section", { class: "devices" },
    h("div", { class: "summary" }, h("h1", {}, "Devices"), h("span", { class: "count", id: "count" }, error ? "" : countText)),
    searchForm(p, error),
    rows.length
      ? h("table", { class: "list", id: "device-list" },
        h("thead", {}, h("tr", {}, ["Name", "IP addresses", "MAC address", "Vendor", "Role", "Class", "Last seen"]
          .map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows.map((d) => h("tr", { dataset: { id: d.id } },
          h("td", { class: "title" }, h("a", { href: `#/devices/${d.id}` }, deviceName(d)),
            d.on_watchlist ? h("span", { class: "tag" }, "watchlist") : null,
            d.critical ? h("span", { class: "tag" }, "critical") : null),
          h("td", {}, (d.ipaddrs || []).join(", ") || "—"),
          h("td", { class: "nowrap" }, d.macaddr || "—"),
          h("td", {}, d.vendor || "—"),
          h("td", {}, d.custom_type || d.role || "—"),
          h("td", {}, d.device_class || "—"),
          h("td", { class: "nowrap" }, short(d.last_seen_time))))))
      : error ? null : h("p", { class: "empty" }, "No device matches."),
    h("nav", { class: "pager", "aria-label": "Pages" },
      page > 1 ? link(page - 1, "← Previous") : null,
      h("span", {}, `Page ${page} of ${pages}`),
      page < pages ? link(page + 1, "Next →") : null)));
}

// ---- One device ----

const RANGES = [
  ["activity", "Its activity (first to last seen)"], ["1h", "Last hour"], ["24h", "Last 24 hours"],
  ["7d", "Last 7 days"], ["30d", "Last 30 days"],
];
const SPANS = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };

/** The window of a range: the device's own activity, or the last hours/days. */
function windowOf(range, d) {
  const now = Date.now();
  if (SPANS[range]) return { from: now - SPANS[range], until: now };
  const from = Math.min(d.discover_time, d.last_seen_time);
  const until = Math.max(d.last_seen_time, from + 60e3);
  const pad = Math.max(60e3, (until - from) * 0.05);
  return { from: Math.floor(from - pad), until: Math.ceil(Math.min(now, until + pad)) };
}

/** The charts: [title, unit, category-and-metrics per line]. */
const CHARTS = [
  ["Bytes", "B", [["net", "bytes_in", "in"], ["net", "bytes_out", "out"]]],
  ["Packets", "", [["net", "pkts_in", "in"], ["net", "pkts_out", "out"]]],
  ["HTTP", "", [["http_client", "req", "requests sent"], ["http_client", "rsp", "responses received"],
    ["http_server", "req", "requests received"], ["http_server", "rsp", "responses sent"]]],
  ["DNS", "", [["dns_client", "req", "requests sent"], ["dns_client", "rsp", "responses received"],
    ["dns_server", "req", "requests received"], ["dns_server", "rsp", "responses sent"]]],
  ["TLS", "", [["ssl_client", "handshakes", "handshakes as client"], ["ssl_server", "handshakes", "handshakes as server"]]],
];

/** Every metric of the charts, one query per category. Null when refused. */
async function metrics(id, w) {
  const cats = [...new Set(CHARTS.flatMap((c) => c[2].map((m) => m[0])))];
  const answers = await Promise.all(cats.map((cat) => {
    const names = [...new Set(CHARTS.flatMap((c) => c[2].filter((m) => m[0] === cat).map((m) => m[1])))];
    return api.post("/metrics", {
      object_type: "device", object_ids: [Number(id)], metric_category: cat,
      metric_specs: names.map((name) => ({ name })), from: w.from, until: w.until,
    }).then((r) => [cat, names, r]);
  }));
  const out = new Map();
  let step = 30e3;
  for (const [cat, names, r] of answers) {
    names.forEach((name, i) => {
      out.set(`${cat}.${name}`, r.stats.map((st) => ({ time: st.time, value: Number(st.values[i]) || 0 })));
    });
    if (r.stats.length) step = r.stats[0].duration;
    else if (r.cycle) step = { "30sec": 30e3, "5min": 300e3, "1hr": 3600e3, "24hr": 86400e3 }[r.cycle] || step;
  }
  return { series: out, step };
}

function chartsPanel(m, w) {
  const box = h("div", { class: "charts", id: "device-charts" });
  const draw = [];
  for (const [title, unit, defs] of CHARTS) {
    const series = defs.map(([cat, name, what], i) => ({ name: what, cls: "s" + i, points: m.series.get(`${cat}.${name}`) || [] }));
    const sum = series.reduce((a, x) => a + x.points.reduce((b, p) => b + p.value, 0), 0);
    const fig = h("figure", { class: "chart-box", dataset: { chart: title.toLowerCase() } },
      h("figcaption", {}, h("strong", {}, title), " ",
        series.map((x) => (x.points.some((pt) => pt.value)
          ? h("span", { class: "legend " + x.cls }, x.name)
          : h("span", { class: "legend none", title: "none in this range" }, x.name + ": none"))),
        h("span", { class: "muted" }, ` · total ${compact(sum, unit)}`)));
    box.append(fig);
    if (sum === 0) {
      fig.append(h("p", { class: "muted small nodata" }, `No ${title} activity in this range.`));
    } else {
      draw.push(() => fig.append(lines(series, w.from, w.until, m.step, fig.clientWidth - 20,
        { unit, title: `${title} over time` })));
    }
  }
  return { box, draw };
}

/** Peers through one step of an activity map, with their names. */
async function peers(id, w) {
  const t = await api.post("/activitymaps/query", {
    from: w.from, until: w.until, weighting: "bytes", edge_annotations: ["protocols"],
    walks: [{ origins: [{ object_type: "device", object_id: Number(id) }], steps: [{}] }],
  });
  const byPeer = new Map();
  for (const e of t.edges) {
    const peer = e.from === Number(id) ? e.to : e.from;
    if (peer === Number(id)) continue;
    const p = byPeer.get(peer) || { id: peer, weight: 0, protocols: new Map(), client: false, server: false };
    p.weight += e.weight;
    if (e.from === peer) p.client = true; else p.server = true;
    for (const pw of (e.annotations && e.annotations.protocols) || []) {
      const name = pw.protocol[pw.protocol.length - 1];
      p.protocols.set(name, (p.protocols.get(name) || 0) + pw.weight);
    }
    byPeer.set(peer, p);
  }
  const list = [...byPeer.values()].sort((a, b) => b.weight - a.weight);
  const shown = list.slice(0, 24);
  if (shown.length) {
    const named = await api.post("/devices/search", {
      filter: { operator: "or", rules: shown.map((p) => ({ field: "id", operator: "=", operand: p.id })) },
      result_fields: ["display_name", "default_name", "ipaddr4", "ipaddr6"], limit: shown.length,
    });
    const names = new Map(named.map((d) => [d.id, d]));
    for (const p of shown) {
      const d = names.get(p.id);
      p.name = d ? deviceName(d) : `device ${p.id}`;
      p.ip = d ? d.ipaddr4 || d.ipaddr6 : null;
    }
  }
  return { shown, more: list.length - shown.length, warnings: t.warnings || [] };
}

function peersPanel(d, pr) {
  const box = h("figure", { class: "chart-box peers", id: "device-peers" },
    h("figcaption", {}, h("strong", {}, "Peers"), " ",
      h("span", { class: "muted" }, "one step of an activity map, edges weighted by bytes" +
        (pr.more > 0 ? ` · the ${pr.shown.length} heaviest of ${pr.shown.length + pr.more}` : ""))));
  if (!pr.shown.length) {
    box.append(h("p", { class: "muted small nodata" }, "No peer in this range."));
    return { box, draw: [] };
  }
  const table = h("table", { class: "list small peer-list" },
    h("thead", {}, h("tr", {}, ["Peer", "Role", "Bytes", "Protocols"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, pr.shown.map((p) => h("tr", {},
      h("td", {}, h("a", { href: `#/devices/${p.id}` }, p.name), p.ip && p.ip !== p.name ? h("span", { class: "muted" }, ` ${p.ip}`) : null),
      h("td", {}, p.client && p.server ? "client and server" : p.client ? "client" : "server"),
      h("td", { class: "nowrap" }, compact(p.weight, "B")),
      h("td", {}, [...p.protocols.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n).join(", "))))));
  const draw = [() => box.insertBefore(peerGraph(deviceName(d), pr.shown, box.clientWidth - 20), box.children[1] || null)];
  box.append(h("details", {}, h("summary", {}, "As a table"), table));
  return { box, draw };
}

async function detectionsOf(id) {
  const [off, vic] = await Promise.all([
    api.post("/detections/search", { filter: { offender: [String(id)] }, sort: [{ field: "start_time", direction: "desc" }], limit: 25 }),
    api.post("/detections/search", { filter: { victim: [String(id)] }, sort: [{ field: "start_time", direction: "desc" }], limit: 25 }),
  ]);
  const seen = new Map();
  for (const x of [...off.map((d) => [d, "offender"]), ...vic.map((d) => [d, "victim"])]) {
    if (!seen.has(x[0].id)) seen.set(x[0].id, x);
  }
  return [...seen.values()].sort((a, b) => b[0].start_time - a[0].start_time);
}

function section(title, ...body) {
  return h("section", { class: "panel", "aria-label": title }, h("h2", {}, title), ...body);
}

/** Names for people of the device fields the page shows (the rest: `label`). */
const FIELD_LABELS = {
  id: "Id", discovery_id: "Discovery id", display_name: "Shown as", custom_name: "Custom name",
  default_name: "Default name", dns_name: "DNS name", dhcp_name: "DHCP name", netbios_name: "NetBIOS name",
  cdp_name: "CDP name", ipaddrs: "IP addresses", macaddr: "MAC address", vendor: "Vendor", role: "Role",
  custom_type: "Custom type", device_class: "Class", vlanid: "VLAN", description: "Description",
  analysis: "Analysis level", discover_time: "First seen", last_seen_time: "Last seen",
};

function propRows(d, keys) {
  return keys.filter((k) => d[k] !== undefined && d[k] !== null && d[k] !== "")
    .map((k) => h("tr", {}, h("th", { scope: "row" }, FIELD_LABELS[k] || label(k)),
      h("td", {}, k.endsWith("_time") ? when(d[k]) : Array.isArray(d[k]) ? d[k].join(", ") : String(d[k]))));
}

export async function devicePage(main, id, p) {
  const gen = nav.gen;
  let d;
  try {
    d = await api.get(`/devices/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status === 403) return noAccess(main, "devices");
    throw e;
  }
  const range = RANGES.some((r) => r[0] === p.get("range")) ? p.get("range") : "activity";
  const w = windowOf(range, d);
  // A part the user may not see says so; another failure says what it was.
  const refused = (e) => (e && e.status === 403 ? "refused" : { error: e.message || String(e) });
  const failed = (x) => (x && x.error ? h("p", { class: "error" }, x.error) : null);
  const [tags, dets, m, pr] = await Promise.all([
    optional(api.get(`/devices/${d.id}/tags`)),
    detectionsOf(d.id).catch(refused),
    metrics(d.id, w).catch(refused),
    peers(d.id, w).catch(refused),
  ]);
  if (gen !== nav.gen) return;
  const name = deviceName(d);
  document.title = `${name} · wirewatch`;
  const rangeSelect = h("select", { id: "range", "aria-label": "Time range", onchange: (e) => {
    location.hash = `#/devices/${d.id}?range=${e.target.value}`;
  } }, RANGES.map(([v, t]) => h("option", { value: v, selected: v === range }, t)));
  const charts = m && m.series ? chartsPanel(m, w) : null;
  const graph = pr && pr.shown ? peersPanel(d, pr) : null;
  const noMetrics = h("p", { class: "muted", id: "no-metrics" }, "You do not have access to metrics (it needs metrics: full or more).");
  const observations = d.associated_ipaddrs || [];
  replace(main, h("article", { class: "card device" },
    h("p", {}, h("a", { href: "#/devices" }, "← Devices")),
    h("header", { class: "card-head" },
      h("div", {},
        h("h1", { id: "device-name" }, name),
        h("p", { class: "muted" }, [d.ipaddrs.join(", "), d.macaddr, d.vendor, d.custom_type || d.role].filter(Boolean).join(" · ")),
        h("p", { class: "tags" }, (tags || []).map((t) => h("span", { class: "tag device-tag" }, t.name)),
          d.on_watchlist ? h("span", { class: "tag" }, "watchlist") : null,
          d.critical ? h("span", { class: "tag" }, "critical") : null)),
      h("label", { class: "sort", for: "range" }, "Time range ", rangeSelect)),
    h("p", { class: "muted small" }, `${when(w.from)} — ${when(w.until)}`),
    charts ? charts.box : failed(m) || noMetrics,
    graph ? graph.box : failed(pr),
    h("div", { class: "card-body" },
      h("div", { class: "col" },
        section("Detections", dets === "refused"
          ? h("p", { class: "muted" }, "You do not have access to detections.")
          : failed(dets) || dets.length
            ? h("ul", { class: "device-detections" }, dets.map(([x, role]) => h("li", {},
              h("span", { class: "risk small " + riskBand(x.risk_score) }, x.risk_score), " ",
              h("a", { href: `#/detections/${x.id}` }, x.title), " ",
              h("span", { class: "role " + role }, role), " ",
              h("span", { class: "muted small" }, short(x.start_time)))))
            : h("p", { class: "muted" }, "None as offender or victim."),
          h("p", { class: "small" }, h("a", { href: "#/detections?" + new URLSearchParams({ offender: String(d.id) }) }, "All as offender"), " · ",
            h("a", { href: "#/detections?" + new URLSearchParams({ victim: String(d.id) }) }, "All as victim"))),
        section("Observations", observations.length
          ? h("table", { class: "props" }, h("tbody", {}, observations.map((o) => h("tr", {},
            h("th", { scope: "row" }, o.ipaddr), h("td", {}, `${o.associated_ipaddr} (${o.source}, ${when(o.timestamp * 1000)})`)))))
          : h("p", { class: "muted" }, "None."))),
      h("div", { class: "col side" },
        section("Names", h("table", { class: "props" }, h("tbody", {},
          propRows(d, ["display_name", "custom_name", "default_name", "dns_name", "dhcp_name", "netbios_name", "cdp_name"])))),
        section("Device", h("table", { class: "props" }, h("tbody", {},
          propRows(d, ["id", "discovery_id", "ipaddrs", "macaddr", "vendor", "role", "custom_type", "device_class", "vlanid",
            "description", "analysis", "discover_time", "last_seen_time"]))))))));
  for (const f of [...(charts ? charts.draw : []), ...(graph ? graph.draw : [])]) f();
}
