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

/** 1234567 → "1.2M" (bytes: "1.2 MB"). */
export function compact(v, unit = "") {
  const abs = Math.abs(v);
  const [d, suffix] = abs >= 1e12 ? [1e12, "T"] : abs >= 1e9 ? [1e9, "G"] : abs >= 1e6 ? [1e6, "M"] : abs >= 1e3 ? [1e3, "k"] : [1, ""];
  const n = v / d;
  const num = d === 1 ? String(Math.round(n * 100) / 100) : n >= 100 ? n.toFixed(0) : n.toFixed(1);
  return unit ? `${num} ${suffix}${unit}` : num + suffix;
}

/**
 * A line chart of counts per interval: series [{name, cls, points: [{time,
 * value}]}] (missing intervals are zero; a series that is zero throughout is
 * not drawn), over [from, until) in steps of `step` ms. Each non-zero point
 * is a dot with its value as a tooltip.
 */
export function lines(series, from, until, step, width, { unit = "", title = "" } = {}) {
  width = Math.max(320, Math.floor(width));
  const svg = s("svg", {
    class: "chart lines", width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`,
    role: "img", "aria-label": title,
  });
  const plotW = width - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const start = from - (from % step);
  const span = Math.max(step, until - start);
  const max = Math.max(1, ...series.flatMap((x) => x.points.map((p) => p.value)));
  const x = (t) => PAD.left + ((t - start) / span) * plotW;
  const y = (v) => PAD.top + plotH - (v / max) * plotH;
  svg.append(s("line", { class: "axis", x1: PAD.left, x2: width - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH }));
  svg.append(s("text", { class: "tick", x: PAD.left - 6, y: PAD.top + 8, "text-anchor": "end" }, compact(max)));
  svg.append(s("text", { class: "tick", x: PAD.left - 6, y: PAD.top + plotH, "text-anchor": "end" }, "0"));
  for (let i = 0; i <= 4; i++) {
    const t = start + (span * i) / 4;
    svg.append(s("text", {
      class: "tick", x: x(t), y: HEIGHT - 6,
      "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle",
    }, span <= 3600e3
      ? new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })
      : tickLabel(t, span)));
  }
  const steps = Math.min(2000, Math.ceil(span / step));
  for (const ser of series.filter((x) => x.points.some((p) => p.value))) {
    const byTime = new Map(ser.points.map((p) => [p.time, p.value]));
    const d = [];
    for (let i = 0; i < steps; i++) {
      const t = start + i * step;
      d.push(`${i ? "L" : "M"}${x(t + step / 2).toFixed(1)},${y(byTime.get(t) || 0).toFixed(1)}`);
    }
    svg.append(s("path", { class: "line " + ser.cls, d: d.join(" "), fill: "none" }));
    for (const p of ser.points) {
      if (!p.value) continue;
      svg.append(s("circle", { class: "dot " + ser.cls, cx: x(p.time + step / 2), cy: y(p.value), r: 2.5 },
        s("title", {}, `${ser.name} ${new Date(p.time).toLocaleString()}: ${compact(p.value, unit)}`)));
    }
  }
  return svg;
}
