import { type FormEvent, useState } from "react";
import { InstanceId } from "../../../shared/protocol/instances";
import { GatewayToken, GatewayUrl } from "../../../shared/protocol/instance-links";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
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

/**
 * "Link your own gateway" (protocol 7): an OpenClaw gateway its user runs elsewhere,
 * registered with `instances.link`. The token goes to the room once and is never shown
 * again — not here (the field is cleared and the form closed when the request is filed),
 * not in the approval. The request then shows under Instances until it is decided.
 */
export function LinkGateway() {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const [open, setOpen] = useState(false);
  const [fields, setFields] = useState({ instanceId: "", name: "", url: "", token: "" });
  const action = useAction(async (params: typeof fields) => {
    if (!client) return;
    await client.instances.link({ ...params, name: params.name || params.instanceId });
    setFields({ instanceId: "", name: "", url: "", token: "" });
    // Done here: the request shows under Instances while its approval waits (from the room's state).
    setOpen(false);
  });
  if (!canWrite || !client) return null;
  if (!open) {
    return (
      <button type="button" className="link small" onClick={() => setOpen(true)}>
        Link your own gateway…
      </button>
    );
  }
  const set = (key: keyof typeof fields) => (e: { target: { value: string } }) =>
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
  return (
    <form className="link-gateway" onSubmit={submit} aria-label="Link your own gateway">
      <h3>Link your own gateway</h3>
      {FIELDS.map(({ key, label, ...input }) => (
        <label key={key}>
          {label}
          <input {...input} value={fields[key]} onChange={set(key)} disabled={action.pending} />
        </label>
      ))}
      {fields.instanceId && problem && <p className="empty">{problem}</p>}
      <div className="link-gateway-actions">
        <button type="submit" className="small" disabled={action.pending || problem !== null}>
          {action.pending ? "Linking…" : "Link"}
        </button>
        <button type="button" className="link small" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <FormError error={action.error} />
    </form>
  );
}
