// Small building blocks of the Settings pages: labelled fields, a two-step
// delete button (no window.confirm), an error line that names the server's
// field, counters drawn as SVG bars, and a code editor with line numbers.

import { h, s, replace } from "./dom.js";
import { describeError } from "./api.js";

/** A labelled input. */
export function field(id, text, input, hint) {
  input.id = input.id || id;
  return h("div", { class: "field" }, h("label", { for: input.id }, text), input,
    hint ? h("p", { class: "hint muted small" }, hint) : null);
}

/** A checkbox with its label after it. */
export function check(id, text, checked, attrs = {}) {
  const box = h("input", { type: "checkbox", id, checked, ...attrs });
  return { box, el: h("label", { class: "check", for: id }, box, " ", text) };
}

/** An error line (hidden until shown): the server's message, with its field. */
export function errorLine(id) {
  const el = h("p", { class: "error", role: "alert", id, hidden: true });
  return {
    el,
    show(e) {
      el.hidden = false;
      replace(el, e.status === 403 ? `Refused by the server: ${describeError(e)}` : describeError(e));
    },
    text(t) {
      el.hidden = false;
      replace(el, t);
    },
    clear() {
      el.hidden = true;
      replace(el);
    },
  };
}

/** What a section shows when its API call failed (a 403 says it is the server's refusal). */
export function failure(e, what) {
  const refused = e.status === 403;
  return h("div", { class: refused ? "empty refused" : "error", role: "alert", id: refused ? "settings-refused" : null },
    h("strong", {}, refused ? `The server refused to show ${what}.` : `Could not load ${what}.`),
    h("p", {}, describeError(e)));
}

/** A button that asks once more before it acts (a second click within 5 s). */
export function twoStep(text, act, attrs = {}) {
  const b = h("button", { type: "button", class: "quiet", ...attrs }, text);
  let armed = null;
  b.addEventListener("click", async () => {
    if (!armed) {
      b.classList.add("danger");
      replace(b, `Really ${text.toLowerCase()}?`);
      armed = setTimeout(() => {
        armed = null;
        b.classList.remove("danger");
        replace(b, text);
      }, 5000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    b.disabled = true;
    try {
      await act();
    } finally {
      b.disabled = false;
      b.classList.remove("danger");
      replace(b, text);
    }
  });
  return b;
}

/** A titled panel. */
export function panel(title, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title), ...children);
}

/** A table: headers, then rows (arrays of cells; a row may carry attributes as `attrs`). */
export function table(cls, headers, rows) {
  return h("table", { class: "list " + (cls || "") },
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.map((r) => h("tr", r.attrs || {}, r.cells.map((c) => h("td", {}, c))))));
}

/**
 * Counters as horizontal SVG bars: items [{label, value, cls}]. The API keeps
 * totals since the object was created, not a history, so there is no time axis.
 */
export function bars(items, title) {
  const rowH = 18;
  const labelW = 92;
  const width = 320;
  const max = Math.max(1, ...items.map((i) => i.value));
  const svg = s("svg", {
    class: "chart counters", width, height: items.length * rowH + 4, viewBox: `0 0 ${width} ${items.length * rowH + 4}`,
    role: "img", "aria-label": `${title}: ` + items.map((i) => `${i.label} ${i.value}`).join(", "),
  });
  items.forEach((it, n) => {
    const y = n * rowH + 2;
    const w = Math.max(it.value > 0 ? 2 : 0, ((width - labelW - 48) * it.value) / max);
    svg.append(
      s("text", { class: "tick", x: labelW - 6, y: y + 12, "text-anchor": "end" }, it.label),
      s("rect", { class: "bar " + (it.cls || ""), x: labelW, y: y + 2, width: w, height: rowH - 6, "data-counter": it.label },
        s("title", {}, `${it.label}: ${it.value}`)),
      s("text", { class: "tick value", x: labelW + w + 4, y: y + 12 }, String(it.value)));
  });
  return svg;
}

/**
 * A code editor: a textarea with line numbers beside it. `mark(line)`
 * highlights a line (and puts the cursor at its start); `mark(null)` clears it.
 */
export function codeEditor(id, text) {
  const area = h("textarea", { id, class: "code", spellcheck: "false", wrap: "off", rows: 16, autocomplete: "off" });
  area.value = text || "";
  const gutter = h("div", { class: "gutter", "aria-hidden": "true" });
  const marker = h("div", { class: "line-mark", hidden: true });
  let marked = null;
  const lineHeight = () => parseFloat(getComputedStyle(area).lineHeight) || 18;
  const place = () => {
    gutter.scrollTop = area.scrollTop;
    if (marked) {
      const pad = parseFloat(getComputedStyle(area).paddingTop) || 0;
      marker.style.top = `${pad + (marked - 1) * lineHeight() - area.scrollTop}px`;
      marker.style.height = `${lineHeight()}px`;
    }
  };
  const number = () => {
    const n = area.value.split("\n").length;
    if (gutter.childElementCount !== n) {
      replace(gutter, Array.from({ length: n }, (_, i) =>
        h("div", { class: i + 1 === marked ? "bad" : null, "data-line": i + 1 }, String(i + 1))));
    }
    place();
  };
  const mark = (line) => {
    marked = line;
    for (const d of gutter.children) d.classList.toggle("bad", Number(d.dataset.line) === line);
    marker.hidden = !line;
    if (line) {
      const lines = area.value.split("\n");
      const start = lines.slice(0, line - 1).reduce((a, l) => a + l.length + 1, 0);
      area.focus();
      area.setSelectionRange(start, start + (lines[line - 1] || "").length);
      area.scrollTop = Math.max(0, (line - 3) * lineHeight());
    }
    place();
  };
  area.addEventListener("input", () => {
    if (marked) mark(null);
    number();
  });
  area.addEventListener("scroll", place);
  const el = h("div", { class: "code-editor" }, gutter, h("div", { class: "code-wrap" }, marker, area));
  requestAnimationFrame(number);
  number();
  return { el, area, mark };
}
