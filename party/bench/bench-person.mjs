// A person the benches sign up on the server under test, as the app does: the session's
// cookies, their personal workspace, the app's HTTP API called as them, and agent keys.
import { offeredCapabilities } from "../../shared/protocol/capabilities.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";

/**
 * A workspace room's socket address as the client library opens it: the current version and
 * every capability of it (`?caps=`), so frames reach it as written. A socket that asks for
 * fewer is an older client's, which the room serves by converting frames (measured apart).
 */
export function roomSocketUrl(serverUrl, workspace, device, extra = "") {
  const caps = offeredCapabilities(PROTOCOL_VERSION);
  const asked = caps.length > 0 ? `&caps=${caps.join(",")}` : "";
  return `${serverUrl.replace(/^http/, "ws")}/agents/autopilot/${workspace}?protocol=${PROTOCOL_VERSION}${asked}&device=${device}${extra}`;
}

/**
 * @param {string} serverUrl where the Worker answers (wrangler dev's front door)
 * @param {string} label names the account (`<label>-<time>@example.test`)
 */
export async function signUpPerson(serverUrl, label) {
  const fetchJson = (path, init = {}) =>
    fetch(`${serverUrl}${path}`, {
      ...init,
      headers: { "content-type": "application/json", origin: serverUrl, ...(init.headers ?? {}) },
    });
  const email = `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const signUp = await fetchJson("/api/auth/sign-up/email", {
    method: "POST",
    body: JSON.stringify({ email, password: "benchmark-password", name: label }),
  });
  if (!signUp.ok) throw new Error(`sign-up of ${email}: HTTP ${signUp.status} ${await signUp.text()}`);
  // Every cookie the sign-up set, as a browser keeps them (the value may itself hold "=").
  const cookies = signUp.headers.getSetCookie().map((c) => {
    const pair = c.split(";")[0];
    return { name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1) };
  });
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  /** The app's API as this person. */
  const api = (path, init = {}) => fetchJson(path, { ...init, headers: { cookie, ...(init.headers ?? {}) } });
  const workspace = (await (await api("/api/me")).json()).workspaces[0].id;
  /** A new agent key in the person's workspace: its secret. */
  const createKey = async (name) =>
    (await (await api(`/api/workspaces/${workspace}/keys`, { method: "POST", body: JSON.stringify({ name }) })).json())
      .key;
  return { email, cookie, cookies, workspace, api, createKey };
}
