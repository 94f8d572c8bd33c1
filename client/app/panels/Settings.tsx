import { useCallback, useRef, useState, type FormEvent } from "react";
import type { Scope } from "../../../shared/protocol/principal";
import { useAction } from "../lib/action";
import { authApi, type AgentKey, type Member, type WorkspaceInfo } from "../lib/api";
import { ConfirmInline } from "../lib/confirm-inline";
import { relativeTime } from "../lib/format";
import { useModalDialog } from "../lib/modal";
import { useRoom } from "../stores/room";
import { type ThemeChoice, useTheme } from "../stores/theme";
import { FormError } from "../lib/form-error";
import { useAccessChanges } from "../lib/access-changes";
import { useLoaded } from "../lib/loaded";
import { ApprovalPolicySettings } from "./ApprovalPolicySettings";
import { ChatsSettings } from "./ChatsSettings";
import { TracesSettings } from "./TracesSettings";
import { AgentInvitePanel } from "./AgentInvitePanel";
import { InvitePanel } from "./InvitePanel";
import { useSession } from "../stores/session";
import { MemberControls } from "./MemberControls";
import { EmailAndRole, useEmailAndRole } from "./EmailAndRole";
import { TextField } from "../lib/text-field";

/**
 * Workspace settings: members and roles, and agent keys (auth data, over the auth API),
 * from the room the approval policy and the Autopilot's model status, and this browser's theme.
 */

const MEMBER_FIELDS = {
  id: "member",
  email: "Email of the person to add",
  role: "Role",
  example: "colleague@example.com",
};
const SCOPES = [
  { id: "read", hint: "see threads, jobs, approvals, the canvas" },
  { id: "write", hint: "post, create threads, report jobs, ask for approval" },
  { id: "approve", hint: "decide approvals — only for agents you trust" },
  { id: "admin", hint: "everything" },
] as const;

function Members({ workspace }: { workspace: WorkspaceInfo }) {
  const manager = workspace.scopes.includes("admin");
  // E-mail invitations are better-auth's, which sends them for a signed-in person only.
  const person = useSession((s) => s.me?.kind === "user");
  const newcomer = useEmailAndRole();
  const members = useLoaded<Member[] | null>(
    useCallback(async () => (await authApi.members(workspace.id)).members, [workspace.id]),
    null,
  );
  useAccessChanges(members.reload);

  const add = useAction(async () => {
    const { email, role } = newcomer;
    await authApi.addMember(workspace.id, { email: email.trim(), role });
    newcomer.setEmail("");
    await members.reload();
    return `${email.trim()} was added as ${role}.`;
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.run();
  };
  const added = add.note;
  const error = add.error ?? members.error;

  return (
    <section aria-labelledby="members-h">
      <h3 id="members-h">Members</h3>
      <p className="muted small">
        Owners and admins manage members and keys; members post and approve; viewers only look.
      </p>
      {members.value === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <ul className="rows" aria-labelledby="members-h">
          {members.value.map((m) => (
            <li key={m.userId}>
              <span>
                <strong>{m.name}</strong>{" "}
                {m.agent ? <span className="agent-chip">agent</span> : <span className="muted small">{m.email}</span>}
              </span>
              {manager ? (
                <MemberControls workspace={workspace} member={m} onChanged={members.reload} />
              ) : (
                <span className={`chip role-${m.role}`}>{m.role}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {manager ? (
        <form className="inline-form" onSubmit={submit}>
          <EmailAndRole person={newcomer} words={MEMBER_FIELDS} workspace={workspace} />
          <button type="submit" className="primary" disabled={add.pending}>
            Add member
          </button>
        </form>
      ) : (
        <p className="hint">Only owners and admins can add people.</p>
      )}
      <p className="muted small">Adding needs an account with a verified e-mail address; anyone else can be invited.</p>
      {added && (
        <p className="success" role="status">
          {added}
        </p>
      )}
      <FormError error={error} />
      {manager && person && <InvitePanel workspace={workspace} />}
      {manager && <AgentInvitePanel workspace={workspace} />}
    </section>
  );
}

/** A date as D1 hands it back through the auth API: an ISO string or epoch ms. */
const epochMs = (value: string | number): number =>
  typeof value === "number" ? value : Date.parse(value) || Number(value);

function Keys({ workspace }: { workspace: WorkspaceInfo }) {
  const keys = useLoaded<AgentKey[] | null>(
    useCallback(async () => (await authApi.keys(workspace.id)).keys, [workspace.id]),
    null,
  );
  useAccessChanges(keys.reload);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["read", "write"]);
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [copied, setCopied] = useState(false);

  const create = useAction(async () => {
    const result = await authApi.createKey(workspace.id, { name: name.trim(), scopes });
    setCreated({ key: result.key, name: result.name ?? name.trim() });
    setCopied(false);
    setName("");
    await keys.reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.run();
  };

  const revoke = useAction(async (key: AgentKey) => {
    await authApi.revokeKey(workspace.id, key.id);
    await keys.reload();
  });
  const rotate = useAction(async (key: AgentKey) => {
    const result = await authApi.rotateKey(workspace.id, key.id);
    setCreated({ key: result.key, name: result.name ?? key.name ?? "agent" });
    setCopied(false);
    await keys.reload();
  });

  const copy = useAction(async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
    } catch {
      throw new Error("Copy failed — select the key and copy it by hand.");
    }
    setCopied(true);
  });
  const error = create.error ?? revoke.error ?? rotate.error ?? copy.error ?? keys.error;

  return (
    <section aria-labelledby="keys-h">
      <h3 id="keys-h">Agent keys</h3>
      <p className="muted small">
        Agents connect with a key that belongs to this workspace. The key is shown once; only its hash is stored.
      </p>
      {created && (
        <div className="reveal" role="status">
          <p>
            <strong>Copy “{created.name}” now</strong> — it will not be shown again.
          </p>
          <div className="key-row">
            <code className="key">{created.key}</code>
            <button type="button" onClick={() => copy.run()}>
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
          <pre className="details">{`AUTOPILOT_URL=${location.origin} AUTOPILOT_WORKSPACE=${workspace.id} \\\nAUTOPILOT_KEY=${created.key} \\\nnpx -y -p ${location.origin}/autopilot-client.tgz autopilot watch`}</pre>
          <button type="button" className="link" onClick={() => setCreated(null)}>
            I saved it — hide
          </button>
        </div>
      )}
      <form className="key-form" onSubmit={submit}>
        <TextField
          id="key-name"
          label="Name"
          required
          maxLength={32}
          placeholder="e.g. ci-bot"
          value={name}
          onChange={setName}
        />
        <fieldset>
          <legend className="field-label">Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.id} className="check">
              <input
                type="checkbox"
                checked={scopes.includes(s.id)}
                onChange={(e) => setScopes(e.target.checked ? [...scopes, s.id] : scopes.filter((x) => x !== s.id))}
              />
              <span>
                <strong>{s.id}</strong> <span className="muted small">{s.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={create.pending || scopes.length === 0 || !name.trim()}>
          Create key
        </button>
      </form>
      {keys.value === null ? (
        <p className="muted">Loading…</p>
      ) : keys.value.length === 0 ? (
        <p className="empty">No keys yet. Create one above to connect your first agent.</p>
      ) : (
        <ul className="rows">
          {keys.value.map((k) => (
            <li key={k.id}>
              <span>
                <strong>{k.name}</strong>{" "}
                <span className="muted small">
                  {k.start ? `${k.start}…` : ""} · {k.scopes.join(", ")} · created {relativeTime(epochMs(k.createdAt))}
                  {" · "}
                  {k.lastUsedAt === null ? "never used" : `last used ${relativeTime(epochMs(k.lastUsedAt))}`}
                </span>
              </span>
              <span className="member-controls">
                <ConfirmInline
                  label="Rotate"
                  ariaLabel={`Rotate ${k.name ?? k.id}`}
                  question={`Rotate “${k.name ?? k.id}”? The current secret stops working at once; agents need the new one.`}
                  yes="Yes, rotate"
                  plain
                  disabled={rotate.pending}
                  onConfirm={() => rotate.run(k)}
                />
                <ConfirmInline
                  label="Revoke"
                  ariaLabel={`Revoke ${k.name ?? k.id}`}
                  question={`Revoke “${k.name ?? k.start ?? k.id}”? Agents using it are disconnected at once.`}
                  yes="Yes, revoke"
                  disabled={revoke.pending}
                  onConfirm={() => revoke.run(k)}
                />
              </span>
            </li>
          ))}
        </ul>
      )}
      <FormError error={error} />
    </section>
  );
}

/** Light, dark or the system's: kept by this browser only. */
function Appearance() {
  const choice = useTheme((s) => s.choice);
  const setChoice = useTheme((s) => s.setChoice);
  return (
    <section aria-labelledby="appearance-h">
      <h3 id="appearance-h">Appearance</h3>
      <label className="field-label" htmlFor="theme-choice">
        Theme on this device
      </label>
      <select id="theme-choice" value={choice} onChange={(e) => setChoice(e.target.value as ThemeChoice)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </section>
  );
}

/** Whether the Autopilot can answer: the model it uses, or which variables are missing. */
function AutopilotModel() {
  const model = useRoom((s) => s.agentModel);
  return (
    <section aria-labelledby="model-h">
      <h3 id="model-h">Autopilot model</h3>
      {!model ? (
        <p className="muted small">The room has not said (connect to the workspace first).</p>
      ) : model.configured ? (
        <p className="success" role="status">
          Configured: <code>{model.modelId}</code>
        </p>
      ) : (
        <p className="notice" role="status">
          No model configured: set{" "}
          {[...model.missing, ...model.invalid].map((name, i) => [i > 0 && ", ", <code key={name}>{name}</code>])}
          {model.invalid.length > 0 && " (some are set but unusable)"}. Until then threads answered by the Autopilot
          stay silent.
        </p>
      )}
    </section>
  );
}

export function SettingsDialog({
  workspace,
  open,
  onClose,
}: {
  workspace: WorkspaceInfo;
  open: boolean;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useModalDialog(dialog, open);
  const manager = workspace.scopes.includes("admin");
  return (
    <dialog ref={dialog} className="settings" onClose={onClose} aria-modal="true" aria-labelledby="settings-h">
      <header>
        <h2 id="settings-h">{workspace.name}</h2>
        <span className={`chip role-${workspace.role ?? "agent"}`}>
          {workspace.role ? `you: ${workspace.role}` : `this key: ${workspace.scopes.join(", ")}`}
        </span>
        <button type="button" className="icon" onClick={onClose} aria-label="Close settings">
          ✕
        </button>
      </header>
      {open && (
        <div className="settings-body">
          <Members workspace={workspace} />
          <ApprovalPolicySettings />
          <ChatsSettings manager={manager} />
          <AutopilotModel />
          {manager && <TracesSettings />}
          {manager ? (
            <Keys workspace={workspace} />
          ) : (
            <section>
              <h3>Agent keys</h3>
              <p className="hint">Only owners, admins and keys with admin create and revoke agent keys.</p>
            </section>
          )}
          <Appearance />
        </div>
      )}
    </dialog>
  );
}
