// A small Markdown subset rendered straight to DOM nodes, for ticket
// comments: paragraphs (a line break is kept), headings, emphasis (*em*,
// _em_, **strong**, __strong__), `code`, fenced code blocks, bulleted and
// numbered lists, block quotes, and links [text](url) whose URL is http(s)
// or mailto (rel="noopener noreferrer", a new tab). Everything else is text:
// HTML is never interpreted, every character of the source ends up in a
// text node or a checked href, and nothing goes through innerHTML.

import { h } from "./dom.js";

/** Longest source rendered; the rest is shown as plain text. */
const MAX_SOURCE = 65536;
/** Deepest nesting of emphasis and links, so hostile input stays cheap. */
const MAX_DEPTH = 8;

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

/** An href the renderer accepts, or null. */
export function safeUrl(url) {
  const u = url.trim();
  // No control characters or spaces (which browsers strip before the scheme).
  if (/[\u0000-\u0020\u007f]/.test(u)) return null;
  return SAFE_URL.test(u) ? u : null;
}

/** The index of `close` in `s` from `from`, ignoring backslash-escaped ones. */
function findClose(s, close, from, within = s.length) {
  const last = Math.min(s.length - close.length, from + within);
  for (let i = from; i <= last; i++) {
    if (s[i] === "\\") { i++; continue; }
    if (s.startsWith(close, i)) return i;
  }
  return -1;
}

const PUNCT = /[\\`*_{}[\]()#+\-.!<>~|"']/;
const WORD = /[\p{L}\p{N}]/u;

/** Inline Markdown of one block (newlines become <br>). */
export function inline(s, depth = 0) {
  const out = [];
  let text = "";
  const flush = () => {
    if (!text) return;
    const lines = text.split("\n");
    lines.forEach((l, i) => {
      if (i) out.push(h("br", {}));
      if (l) out.push(l);
    });
    text = "";
  };
  const deep = depth >= MAX_DEPTH;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length && PUNCT.test(s[i + 1])) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (c === "`") {
      let n = 1;
      while (s[i + n] === "`") n++;
      const fence = "`".repeat(n);
      const end = s.indexOf(fence, i + n);
      if (end > i + n - 1 && end !== -1) {
        flush();
        let code = s.slice(i + n, end).replace(/\n/g, " ");
        if (code.startsWith(" ") && code.endsWith(" ") && code.trim()) code = code.slice(1, -1);
        out.push(h("code", {}, code));
        i = end + n;
        continue;
      }
      text += fence;
      i += n;
      continue;
    }
    if (!deep && (c === "*" || c === "_")) {
      const double = s[i + 1] === c;
      const mark = double ? c + c : c;
      const start = i + mark.length;
      // An opening mark is followed by a non-space; `_` must not be inside a word.
      const opens = start < s.length && !/\s/.test(s[start]) &&
        !(c === "_" && i > 0 && WORD.test(s[i - 1]));
      if (opens) {
        let end = findClose(s, mark, start + 1);
        // Single marks: skip a double one inside (`*a **b** c*`).
        while (!double && end !== -1 && s[end + 1] === c) end = findClose(s, mark, end + 2);
        const closes = end !== -1 && !/\s/.test(s[end - 1]) &&
          !(c === "_" && end + mark.length < s.length && WORD.test(s[end + mark.length]));
        if (closes) {
          flush();
          out.push(h(double ? "strong" : "em", {}, inline(s.slice(start, end), depth + 1)));
          i = end + mark.length;
          continue;
        }
      }
      text += mark;
      i += mark.length;
      continue;
    }
    if (!deep && c === "[") {
      // Bounded look-ahead: "[a](" repeated must not cost n² steps.
      const close = findClose(s, "]", i + 1, 1000);
      if (close !== -1 && s[close + 1] === "(") {
        const end = findClose(s, ")", close + 2, 2048);
        if (end !== -1) {
          const label = s.slice(i + 1, close);
          const href = safeUrl(s.slice(close + 2, end));
          flush();
          if (href) {
            out.push(h("a", { href, target: "_blank", rel: "noopener noreferrer" }, inline(label, depth + 1)));
          } else {
            // Not a URL the app follows: the whole source, as text.
            text += s.slice(i, end + 1);
          }
          i = end + 1;
          continue;
        }
      }
    }
    text += c;
    i += 1;
  }
  flush();
  return out;
}

const FENCE = /^ {0,3}(```+|~~~+)\s*([\w+-]*)\s*$/;
const BULLET = /^ {0,3}([-*+])\s+(.*)$/;
const NUMBER = /^ {0,3}(\d{1,9})[.)]\s+(.*)$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;

/** Render Markdown source as a list of block elements. */
export function markdown(source, depth = 0) {
  const src = String(source ?? "");
  if (src.length > MAX_SOURCE) return [h("p", { class: "prose" }, src)];
  const lines = src.replace(/\r\n?/g, "\n").split("\n");
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    const fence = line.match(FENCE);
    if (fence) {
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trimStart().startsWith(fence[1])) body.push(lines[i++]);
      i++; // the closing fence (or the end)
      blocks.push(h("pre", { class: "code" },
        h("code", fence[2] ? { "data-lang": fence[2] } : {}, body.join("\n"))));
      continue;
    }
    const heading = line.match(HEADING);
    if (heading) {
      // Comment headings stay small: h3 to h6.
      blocks.push(h(`h${Math.min(6, heading[1].length + 2)}`, { class: "md-h" }, inline(heading[2], depth)));
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push(h("hr", {}));
      i++;
      continue;
    }
    if (QUOTE.test(line) && depth < MAX_DEPTH) {
      const body = [];
      while (i < lines.length && QUOTE.test(lines[i])) body.push(lines[i++].match(QUOTE)[1]);
      blocks.push(h("blockquote", {}, markdown(body.join("\n"), depth + 1)));
      continue;
    }
    const bullet = line.match(BULLET);
    const number = line.match(NUMBER);
    if (bullet || number) {
      const re = bullet ? BULLET : NUMBER;
      const items = [];
      while (i < lines.length && lines[i].trim()) {
        const m = lines[i].match(re);
        if (m) items.push(m[2]);
        else if (items.length && /^\s+\S/.test(lines[i])) items[items.length - 1] += "\n" + lines[i].trim();
        else break;
        i++;
      }
      const start = number ? parseInt(number[1], 10) : 1;
      blocks.push(h(bullet ? "ul" : "ol", number && start !== 1 ? { start } : {},
        items.map((t) => h("li", {}, inline(t, depth)))));
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !FENCE.test(lines[i]) && !HEADING.test(lines[i]) &&
      !BULLET.test(lines[i]) && !NUMBER.test(lines[i]) && !QUOTE.test(lines[i])) {
      para.push(lines[i++]);
    }
    if (!para.length) para.push(lines[i++]);
    blocks.push(h("p", {}, inline(para.join("\n"), depth)));
  }
  return blocks;
}
