// DOM building without HTML strings: every piece of data goes in as a text
// node or an attribute value, never through innerHTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v);
    } else if (k === "dataset") {
      Object.assign(el.dataset, v);
    } else if (k === "value" && "value" in el) {
      el.value = v;
    } else if (k === "checked" || k === "selected" || k === "disabled") {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An HTML element: h("a", {href}, "text", child, ...). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Replace an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Which navigation is current: a page that finished loading after the
 * user moved on does not draw itself over the new one. */
export const nav = { gen: 0 };

/** A compact date and time (YYYY-MM-DD HH:MM, local), from ms. */
export function short(ms) {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A date and time in the user's locale, from ms. */
export function when(ms) {
  if (ms === null || ms === undefined) return "—";
  return new Date(ms).toLocaleString(undefined, {
    year: "numeric", month: "short", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

/** "in_progress" → "In progress"; null → the fallback. */
export function label(v, fallback = "—") {
  if (v === null || v === undefined || v === "") return fallback;
  const t = String(v).replace(/_/g, " ");
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** A risk score's band, for its colour. */
export function riskBand(score) {
  if (score >= 80) return "high";
  if (score >= 31) return "medium";
  return "low";
}

/** The page a hash shows: its path without the query ("#/tickets/G?x" → "/tickets/G"). */
export function pageOf(hash) {
  return (String(hash).replace(/^#/, "") || "/detections").split("?")[0];
}

/** A short message at the bottom of the page. It belongs to the page shown
 * now, or to `page` (a hash) when the caller navigates there next. */
export function toast(message, kind = "ok", page = null) {
  const el = document.getElementById("toast");
  if (!el) return;
  el.className = "show " + kind;
  el.textContent = message;
  toast.page = pageOf(page || location.hash);
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.className = ""; }, 5000);
}

/** On navigation to `page`: hide a toast that belongs to another page (a
 * page's own toasts, e.g. an error raised just before it was shown, stay). */
export function clearToast(page) {
  const el = document.getElementById("toast");
  if (!el || !el.className || toast.page === page) return;
  clearTimeout(toast.timer);
  el.className = "";
}

/** A link that opens in a new tab and gives the other site nothing back. */
export function external(href, ...children) {
  return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, ...children);
}
