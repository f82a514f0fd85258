// A device's peers as a radial graph drawn here (no library): the device in
// the middle, its peers on a circle around it (heaviest first, clockwise
// from the top), each edge as wide as the log of its bytes, labelled with
// its main protocols; a peer is a link to its own device page.

import { s } from "./dom.js";
import { compact } from "./chart.js";

/** Tall enough for a circle of labels; a graph of one or two peers needs less. */
const HEIGHT = 460;
const SMALL = 300;

function clip(t, n) {
  return t.length > n ? t.slice(0, n - 1) + "…" : t;
}

/** center: the device's name; peers: [{id, name, weight, protocols: Map}]. */
export function peerGraph(center, peers, width) {
  width = Math.max(420, Math.floor(width));
  const cx = width / 2;
  const height = peers.length < 3 ? SMALL : HEIGHT;
  const cy = height / 2;
  const r = Math.min(cy - 40, cx - 130);
  const svg = s("svg", {
    class: "graph", width, height, viewBox: `0 0 ${width} ${height}`,
    role: "img", "aria-label": `${center} and ${peers.length} peers`,
  });
  const max = Math.max(...peers.map((p) => p.weight), 1);
  const thick = (w) => 1 + 7 * (Math.log1p(w) / Math.log1p(max));
  const edges = s("g", { class: "edges" });
  const nodes = s("g", { class: "nodes" });
  peers.forEach((p, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / peers.length;
    const x = cx + r * Math.cos(a);
    const y = cy + r * Math.sin(a);
    const protocols = [...p.protocols.entries()].sort((m, n) => n[1] - m[1]).map(([n]) => n);
    edges.append(s("line", { class: "edge", x1: cx, y1: cy, x2: x, y2: y, "stroke-width": thick(p.weight).toFixed(1) },
      s("title", {}, `${center} — ${p.name}: ${compact(p.weight, "B")} (${protocols.join(", ")})`)));
    const mx = cx + (r * 0.55) * Math.cos(a);
    const my = cy + (r * 0.55) * Math.sin(a);
    if (protocols.length) {
      edges.append(s("text", { class: "edge-label", x: mx, y: my - 3, "text-anchor": "middle" }, clip(protocols.slice(0, 2).join(", "), 18)));
    }
    const right = Math.cos(a) >= -0.01;
    const link = s("a", { href: `#/devices/${p.id}`, class: "node peer", dataset: { id: p.id } },
      s("circle", { cx: x, cy: y, r: 6 }),
      s("text", { x: x + (right ? 10 : -10), y: y + 4, "text-anchor": right ? "start" : "end" }, clip(p.name, 28)),
      s("title", {}, `${p.name}${p.ip && p.ip !== p.name ? " " + p.ip : ""}: ${compact(p.weight, "B")}`));
    nodes.append(link);
  });
  nodes.append(s("g", { class: "node center" },
    s("circle", { cx, cy, r: 10 }),
    s("text", { x: cx, y: cy + 26, "text-anchor": "middle" }, clip(center, 32))));
  svg.append(edges, nodes);
  return svg;
}
