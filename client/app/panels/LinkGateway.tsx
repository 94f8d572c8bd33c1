import { type FormEvent, useState } from "react";
import {
  DEFAULT_GATEWAY_PORT,
  EXPOSURES,
  type Exposure,
  gatewayUrlFor,
  ownGatewaySteps,
} from "../../../shared/openclaw-paths";
import { GatewayToken, GatewayUrl } from "../../../shared/protocol/instance-links";
import { InstanceId } from "../../../shared/protocol/instances";
import { useAction } from "../lib/action";
import { CopyField } from "../lib/copy-field";
import { FormError } from "../lib/form-error";
import { ModalDialog } from "../lib/modal-dialog";
import { useCan, useRoom } from "../stores/room";

/** The form's inputs, in order, each with its label; their values are `fields` below. */
const FIELDS = [
  { key: "instanceId", label: "Id", placeholder: "home", maxLength: 48 },
  { key: "name", label: "Name", placeholder: "My laptop's OpenClaw", maxLength: 80 },
  { key: "url", label: "Gateway URL", placeholder: "wss://openclaw.example.com", maxLength: 2048, inputMode: "url" },
  {
    key: "token",
    label: "Token",
    type: "password",
    autoComplete: "off",
    placeholder: "gateway.auth.token",
    maxLength: 512,
  },
] as const;

type Fields = { instanceId: string; name: string; url: string; token: string };

/** A gateway token made in this browser: 32 random bytes, base64url (what `--token` and the link accept). */
function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The guide's words (Markdown for the Autopilot) with their `commands` as code. */
function Words({ text }: { text: string }) {
  return (
    <>
      {text.split("`").map((part, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed text, never reordered
        i % 2 === 1 ? <code key={i}>{part}</code> : <span key={i}>{part}</span>,
      )}
    </>
  );
}

/** A port the gateway may listen on. */
const portOf = (text: string): number | null => {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1024 && n <= 65535 ? n : null;
};

/**
 * "Link your own gateway" (protocol 7): an OpenClaw gateway its user runs elsewhere, with
 * the steps to get there (shared/openclaw-paths.ts: install, set up, start with a token made
 * here, expose, link), then `instances.link`. The token goes to the room once and is never
 * shown again — not here (the dialog closes when the request is filed, taking the token with
 * it), not in the approval. The request then shows under Instances until it is decided.
 */
export function LinkGateway() {
  const client = useRoom((s) => s.client);
  const workspace = useRoom((s) => s.workspaceId);
  const canWrite = useCan("write");
  const [open, setOpen] = useState(false);
  const [exposure, setExposure] = useState<Exposure>("this-machine");
  const [portText, setPortText] = useState(String(DEFAULT_GATEWAY_PORT));
  const [fields, setFields] = useState<Fields>({ instanceId: "", name: "", url: "", token: "" });
  const port = portOf(portText) ?? DEFAULT_GATEWAY_PORT;
  const action = useAction(async (params: Fields) => {
    if (!client) return;
    await client.instances.link({ ...params, name: params.name || params.instanceId });
    // Done here: the request shows under Instances while its approval waits (from the room's state).
    setOpen(false);
  });
  if (!canWrite || !client) return null;
  const start = () => {
    setExposure("this-machine");
    setPortText(String(DEFAULT_GATEWAY_PORT));
    setFields({
      instanceId: "",
      name: "",
      url: gatewayUrlFor("this-machine", DEFAULT_GATEWAY_PORT),
      token: newToken(),
    });
    setOpen(true);
  };
  // The address follows the choices while it is still the one they suggested.
  const suggested = gatewayUrlFor(exposure, port);
  const reachBy = (next: Exposure, nextPort: number) => {
    if (fields.url === suggested || fields.url === "") setFields({ ...fields, url: gatewayUrlFor(next, nextPort) });
  };
  const set = (key: keyof Fields) => (e: { target: { value: string } }) =>
    setFields({ ...fields, [key]: e.target.value });
  const problem = !InstanceId.safeParse(fields.instanceId).success
    ? "Id: lower-case letters, digits and dashes, e.g. home."
    : !GatewayUrl.safeParse(fields.url).success
      ? "URL: the gateway's ws:// or wss:// address, without credentials or a query."
      : !GatewayToken.safeParse(fields.token).success
        ? "Token: the gateway's auth token (gateway.auth.token), 16 characters or more."
        : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!problem) action.run(fields);
  };
  const steps = ownGatewaySteps({
    exposure,
    port,
    token: fields.token || "<token>",
    appUrl: location.origin,
    ...(workspace ? { workspace } : {}),
  });
  const link = steps.at(-1)!;
  const chosen = EXPOSURES.find((e) => e.value === exposure)!;
  return (
    <>
      <button type="button" className="link small" onClick={start}>
        Link your own gateway…
      </button>
      <ModalDialog
        open={open}
        className="device-dialog own-gateway"
        onClose={() => setOpen(false)}
        labelledBy="own-gateway-h"
        describedBy="own-gateway-about"
      >
        <header className="device-dialog-head">
          <h2 id="own-gateway-h">Run your own OpenClaw</h2>
          <button type="button" className="ghost icon" aria-label="Close" onClick={() => setOpen(false)}>
            ×
          </button>
        </header>
        <p id="own-gateway-about" className="muted small">
          OpenClaw on a machine of yours (your model key, your files), linked to this workspace: the Autopilot talks to
          it as to a managed one; restarts and backups stay yours.
        </p>
        <div className="own-gateway-reach">
          <label className="field-label" htmlFor="own-gateway-exposure">
            How the Autopilot reaches it
          </label>
          <select
            id="own-gateway-exposure"
            value={exposure}
            onChange={(e) => {
              const next = e.target.value as Exposure;
              reachBy(next, port);
              setExposure(next);
            }}
          >
            {EXPOSURES.map((e) => (
              <option key={e.value} value={e.value}>
                {e.label}
              </option>
            ))}
          </select>
          <label className="field-label" htmlFor="own-gateway-port">
            Port
          </label>
          <input
            id="own-gateway-port"
            inputMode="numeric"
            value={portText}
            onChange={(e) => {
              const next = portOf(e.target.value);
              if (next) reachBy(exposure, next);
              setPortText(e.target.value);
            }}
          />
          <p className="muted small own-gateway-reach-text">
            <Words text={chosen.text} />
          </p>
        </div>
        <ol className="own-gateway-steps" aria-label="Steps">
          {steps.slice(0, -1).map((step) => (
            <li key={step.title}>
              <strong>{step.title}.</strong> <Words text={step.text} />
              {step.command && (
                <CopyField label={step.title} value={step.command} copyLabel={`Copy: ${step.title}`} mono />
              )}
            </li>
          ))}
        </ol>
        <form className="link-gateway" onSubmit={submit} aria-label="Link your own gateway">
          <h3>{link.title}</h3>
          <p className="muted small">
            <Words text={link.text} />
          </p>
          {FIELDS.map(({ key, label, ...input }) => (
            <label key={key}>
              {label}
              <input {...input} value={fields[key]} onChange={set(key)} disabled={action.pending} />
            </label>
          ))}
          {fields.instanceId && problem && <p className="empty">{problem}</p>}
          <div className="link-gateway-actions">
            <button type="submit" className="primary small" disabled={action.pending || problem !== null}>
              {action.pending ? "Linking…" : "Link"}
            </button>
            <button type="button" className="link small" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
          <FormError error={action.error} />
          {link.command && (
            <CopyField label="Or from a terminal" value={link.command} copyLabel="Copy: link from a terminal" mono />
          )}
        </form>
      </ModalDialog>
    </>
  );
}
