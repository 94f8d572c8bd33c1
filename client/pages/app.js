// Minimal workspace page: auth and keys over the auth HTTP API, live state over the room
// socket through the same client library agents use. The full app is the Hatchery.
import { AutopilotClient } from "/autopilot-client.mjs";

const $ = (id) => document.getElementById(id);
let me = null;
let workspace = null;
let client = null;
let signingUp = false;

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { "content-type": "application/json", ...(init.headers ?? {}) } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message ?? body?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c != null) node.append(c);
  return node;
}

function fill(list, items, render, empty) {
  list.replaceChildren(...(items.length ? items.map(render) : [el("li", { className: "empty", textContent: empty })]));
}

// --- auth -------------------------------------------------------------------

function setMode(up) {
  signingUp = up;
  $("tab-in").setAttribute("aria-selected", String(!up));
  $("tab-up").setAttribute("aria-selected", String(up));
  $("name-row").hidden = !up;
  $("auth-submit").textContent = up ? "Create account" : "Sign in";
  $("auth-error").textContent = "";
}
$("tab-in").onclick = () => setMode(false);
$("tab-up").onclick = () => setMode(true);

$("auth-form").onsubmit = async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const body = { email: form.get("email"), password: form.get("password") };
  if (signingUp) body.name = form.get("name") || String(body.email).split("@")[0];
  try {
    await api(`/api/auth/${signingUp ? "sign-up" : "sign-in"}/email`, { method: "POST", body: JSON.stringify(body) });
    await boot();
  } catch (error) {
    $("auth-error").textContent = error.message;
  }
};

$("sign-out").onclick = async () => {
  await api("/api/auth/sign-out", { method: "POST", body: "{}" }).catch(() => {});
  client?.close();
  location.reload();
};

// --- live room ----------------------------------------------------------------

function renderLive(state) {
  const presence = [...state.presence.values()];
  fill($("presence"), presence, (p) => el("li", {}, el("span", { textContent: p.name }, el("span", { className: "tag", textContent: `${p.kind} · ${p.device}` })), el("span", { className: "muted", textContent: p.status ?? "" })), "Nobody else is here yet.");
  const scopes = client?.principal?.scopes ?? [];
  const canApprove = scopes.includes("approve") || scopes.includes("admin");
  const pending = [...state.approvals.values()].filter((a) => a.status === "pending");
  fill($("approvals"), pending, (a) => {
    const decide = (decision) => async () => {
      try {
        await client.approvals.resolve({ approvalId: a.id, decision });
      } catch (error) {
        alert(error.message);
      }
    };
    const approve = el("button", { className: "primary", textContent: "Approve", disabled: !canApprove, title: canApprove ? "" : "needs the approve scope", onclick: decide("approve") });
    const deny = el("button", { className: "danger", textContent: "Deny", disabled: !canApprove, onclick: decide("deny") });
    return el("li", {}, el("span", { textContent: a.title }, el("span", { className: "tag", textContent: `${a.risk} · by ${a.requestedBy.name}` })), el("span", { className: "inline" }, approve, deny));
  }, "No approvals waiting.");
  const jobs = [...state.jobs.values()].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, 10);
  fill($("jobs"), jobs, (j) => {
    const bar = el("span", { className: "bar" }, el("span", { style: `width:${j.progress}%` }));
    return el("li", {}, el("span", { textContent: j.title }, el("span", { className: "tag", textContent: `${j.status} · ${j.owner.name}` })), el("span", { className: "inline" }, el("span", { className: "muted", textContent: j.message }), bar));
  }, "No jobs yet. Agents report long work with `autopilot job start`.");
  const threads = [...state.threads.values()].filter((t) => !t.archived).sort((a, b) => b.updatedAt - a.updatedAt);
  fill($("threads"), threads, (t) => el("li", {}, el("span", { textContent: t.title }), el("span", { className: "muted", textContent: `${t.messageCount} messages` })), "No threads yet.");
}

function connect() {
  client?.close();
  client = new AutopilotClient({ url: location.origin, workspace: workspace.id, device: "browser" });
  client.on("status", (status, detail) => {
    const pill = $("conn");
    pill.className = `pill ${status}`;
    pill.textContent = status === "reconnecting" && detail.retryInMs ? `reconnecting in ${Math.ceil(detail.retryInMs / 1000)}s` : status;
    if (status === "closed" && detail.error) pill.title = detail.error.message;
  });
  client.on("state", renderLive);
}

$("thread-form").onsubmit = async (e) => {
  e.preventDefault();
  const title = $("thread-title").value.trim();
  if (!title) return;
  try {
    await client.threads.create({ title });
    $("thread-title").value = "";
  } catch (error) {
    alert(error.message);
  }
};

// --- keys and members ---------------------------------------------------------------

async function loadKeys() {
  const manager = workspace.role === "owner" || workspace.role === "admin";
  $("key-form").hidden = !manager;
  $("member-form").hidden = !manager;
  if (!manager) {
    fill($("keys"), [], () => null, "Only owners and admins manage keys.");
  } else {
    const { keys } = await api(`/api/workspaces/${workspace.id}/keys`);
    fill($("keys"), keys, (k) => el("li", {}, el("span", { textContent: k.name }, el("span", { className: "tag", textContent: `${k.start}… · ${k.scopes.join(", ")}` })), el("button", { className: "danger", textContent: "Revoke", onclick: async () => {
      if (!confirm(`Revoke ${k.name}? Agents using it are disconnected at once.`)) return;
      await api(`/api/workspaces/${workspace.id}/keys/${k.id}`, { method: "DELETE" });
      await loadKeys();
    } })), "No keys yet.");
  }
  const { members } = await api(`/api/workspaces/${workspace.id}/members`);
  fill($("members"), members, (m) => el("li", {}, el("span", { textContent: m.name }, el("span", { className: "tag", textContent: m.email })), el("span", { className: "pill", textContent: m.role })), "");
}

$("key-form").onsubmit = async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  try {
    const created = await api(`/api/workspaces/${workspace.id}/keys`, { method: "POST", body: JSON.stringify({ name: form.get("name"), scopes: form.getAll("scope") }) });
    $("new-key").hidden = false;
    $("new-key-value").textContent = created.key;
    $("new-key-cli").textContent = `npx autopilot watch --url ${location.origin} --workspace ${workspace.id} --key ${created.key}`;
    $("key-error").textContent = "";
    e.target.reset();
    await loadKeys();
  } catch (error) {
    $("key-error").textContent = error.message;
  }
};
$("copy-key").onclick = () => navigator.clipboard?.writeText($("new-key-value").textContent);

$("member-form").onsubmit = async (e) => {
  e.preventDefault();
  try {
    await api(`/api/workspaces/${workspace.id}/members`, { method: "POST", body: JSON.stringify({ email: $("member-email").value, role: $("member-role").value }) });
    $("member-email").value = "";
    $("member-error").textContent = "";
    await loadKeys();
  } catch (error) {
    $("member-error").textContent = error.message;
  }
};

$("workspace").onchange = async () => {
  workspace = me.workspaces.find((w) => w.id === $("workspace").value);
  $("new-key").hidden = true;
  connect();
  await loadKeys();
};

async function boot() {
  try {
    me = await api("/api/me");
  } catch {
    $("auth").hidden = false;
    $("app").hidden = true;
    $("who").hidden = true;
    return;
  }
  $("auth").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  $("user-name").textContent = me.user.name;
  $("workspace").replaceChildren(...me.workspaces.map((w) => el("option", { value: w.id, textContent: `${w.name} (${w.role})` })));
  workspace = me.workspaces[0];
  connect();
  await loadKeys();
}

boot();
