// The login page: a local user's name and password, and a button per
// enabled SAML identity provider (a link to /saml/login, which goes to the IdP).

import { h, replace } from "./dom.js";
import { session } from "./api.js";

export function loginPage(main, params, done) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const user = h("input", { id: "username", name: "username", autocomplete: "username", required: true, autofocus: true });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const button = h("button", { type: "submit", class: "primary" }, "Log in");
  const form = h("form", { class: "login", onsubmit: async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    error.hidden = true;
    try {
      done(await session.login(user.value.trim(), pass.value));
    } catch (e) {
      error.hidden = false;
      replace(error, e.status === 429 ? e.message : e.status === 401 ? "Wrong username or password." : e.message);
      pass.value = "";
      pass.focus();
    } finally {
      button.disabled = false;
    }
  } },
    h("h1", {}, "wirewatch"),
    h("p", { class: "muted" }, "Log in with your local user."),
    h("label", { for: "username" }, "Username"), user,
    h("label", { for: "password" }, "Password"), pass,
    error,
    button,
  );
  replace(main, h("div", { class: "login-wrap" }, form));
  user.focus();
  session.providers().then((list) => {
    if (!list || !list.length) return;
    form.append(
      h("p", { class: "muted sso-or" }, "Or log in through your identity provider:"),
      ...list.map((p) => h("a", { class: "button sso", href: p.login_url }, `Log in with ${p.name}`)),
    );
  }).catch(() => {});
}
