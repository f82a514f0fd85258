// Detections over time: an SVG bar chart drawn here (no library).

import { s } from "./dom.js";

const HEIGHT = 140;
const PAD = { left: 40, right: 12, top: 10, bottom: 22 };

function tickLabel(ms, span) {
  const d = new Date(ms);
  if (span <= 2 * 86400e3) return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (span <= 300 * 86400e3) return d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  return d.toLocaleDateString(undefined, { year: "numeric", month: "short" });
}

/**
 * counts: [{time, count}] (interval starts); from/until: the axis (ms);
 * width: pixels. Returns an <svg>.
 */
export function histogram(counts, from, until, interval, width) {
  width = Math.max(320, Math.floor(width));
  const total = counts.reduce((a, c) => a + c.count, 0);
  const svg = s("svg", {
    class: "chart", width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`,
    role: "img", "aria-label": `Detections over time: ${total} in the range`,
  });
  const plotW = width - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const span = Math.max(interval, until - from);
  const max = Math.max(1, ...counts.map((c) => c.count));
  const x = (t) => PAD.left + ((t - from) / span) * plotW;
  const barW = Math.max(1, (interval / span) * plotW - 1);
  svg.append(s("line", { class: "axis", x1: PAD.left, x2: width - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH }));
  svg.append(s("text", { class: "tick", x: PAD.left - 6, y: PAD.top + 8, "text-anchor": "end" }, String(max)));
  svg.append(s("text", { class: "tick", x: PAD.left - 6, y: PAD.top + plotH, "text-anchor": "end" }, "0"));
  for (let i = 0; i <= 4; i++) {
    const t = from + (span * i) / 4;
    svg.append(s("text", {
      class: "tick", x: x(t), y: HEIGHT - 6,
      "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle",
    }, tickLabel(t, span)));
  }
  for (const c of counts) {
    const t = Math.max(c.time, from);
    const hgt = Math.max(1, (c.count / max) * plotH);
    svg.append(s("rect", {
      class: "bar", x: x(t), y: PAD.top + plotH - hgt, width: barW, height: hgt,
    }, s("title", {}, `${new Date(c.time).toLocaleString()}: ${c.count}`)));
  }
  return svg;
}
