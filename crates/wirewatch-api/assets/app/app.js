// The app's entry: the session, the top bar, and the hash router
// (#/login, #/detections?filters, #/detections/ID, #/devices?search,
// #/devices/ID?range, #/records?query, #/tickets?filters, #/tickets/GUID,
// #/settings/SECTION).

import { h, replace, toast, clearToast, pageOf, nav } from "./dom.js";
import { session, setSession, whenLoggedOut } from "./api.js";
import { loginPage } from "./login.js";
import { detectionsPage } from "./detections.js";
import { cardPage } from "./card.js";
import { devicesPage, devicePage } from "./devices.js";
import { recordsPage } from "./records.js";
import { ticketsPage, ticketPage, ticketsVisible } from "./tickets.js";
import { settingsPage, canSettings } from "./settings.js";

const main = document.getElementById("main");
const top = document.getElementById("top");
let me = null;
let navChecked = false;
let navGen = 0;

/** The Tickets entry: shown when internal ticketing is on and the API lets
 * this user list tickets (asked once a session). */
async function checkNav() {
  if (navChecked) return;
  navChecked = true;
  const g = ++navGen;
  const visible = await ticketsVisible();
  // Not for a session that ended meanwhile.
  if (g !== navGen) return;
  const link = document.getElementById("nav-tickets");
  link.hidden = !visible;
  link.dataset.checked = "1";
}

function forgetNav() {
  navGen += 1;
  navChecked = false;
  const link = document.getElementById("nav-tickets");
  link.hidden = true;
  delete link.dataset.checked;
}

function parse() {
  const hash = location.hash.replace(/^#/, "") || "/detections";
  const [path, query] = hash.split("?");
  return { path, params: new URLSearchParams(query || "") };
}

function showTop() {
  top.hidden = !me;
  replace(document.getElementById("who"), me ? me.username : "");
  // Settings only for the roles that can use one of its sections (the API decides either way).
  document.getElementById("nav-settings").hidden = !canSettings(me);
  const page = parse().path.split("/")[1];
  for (const a of top.querySelectorAll("nav a")) {
    if (a.dataset.page === page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function route() {
  nav.gen += 1;
  const { path, params } = parse();
  // A toast of the page left does not stay over the next one.
  clearToast(pageOf(path));
  if (path === "/login") {
    me = null;
    setSession(null);
    forgetNav();
    showTop();
    document.title = "Log in · wirewatch";
    loginPage(main, params, (s) => {
      me = s;
      setSession(s);
      location.hash = params.get("next") || "#/detections";
    });
    return;
  }
  if (!me) {
    try {
      me = await session.current();
      setSession(me);
    } catch {
      location.replace("#/login?next=" + encodeURIComponent(location.hash || "#/detections"));
      return;
    }
  }
  showTop();
  checkNav().catch(() => {});
  window.scrollTo(0, 0);
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts[0] === "detections" && parts[1]) {
      await cardPage(main, parts[1], me);
    } else if (parts[0] === "devices" && parts[1]) {
      await devicePage(main, parts[1], params);
    } else if (parts[0] === "devices") {
      await devicesPage(main, params);
    } else if (parts[0] === "records") {
      await recordsPage(main, params);
    } else if (parts[0] === "tickets" && parts[1]) {
      await ticketPage(main, parts[1], me);
    } else if (parts[0] === "tickets") {
      await ticketsPage(main, params, me);
    } else if (parts[0] === "settings") {
      await settingsPage(main, parts[1], params, me);
    } else {
      await detectionsPage(main, params, me);
    }
  } catch (e) {
    replace(main, h("div", { class: "error", role: "alert" }, e.message || String(e)));
  }
}

whenLoggedOut(() => {
  if (!me) return;
  me = null;
  setSession(null);
  forgetNav();
  toast("Your session has ended. Log in again.", "error", "#/login");
  location.hash = "#/login";
});

document.getElementById("logout").addEventListener("click", async () => {
  try {
    await session.logout();
  } catch {
    // Already ended: the login page either way.
  }
  me = null;
  setSession(null);
  forgetNav();
  toast("Logged out.", "ok", "#/login");
  location.hash = "#/login";
});

window.addEventListener("hashchange", route);
route();
