import { GatewaySection, useGatewaySection } from "../gateway-section";
import { useState } from "react";
import { type ChannelAccountStatus, type ChannelKind, DM_POLICY_WORDS } from "../../../../shared/protocol/channels";
import { CHANNEL_OPERATIONS, type Instance } from "../../../../shared/protocol/instances";
import { useAction } from "../../lib/action";
import { ActionButton } from "../../lib/action-button";
import { FormError } from "../../lib/form-error";
import { useRoom } from "../../stores/room";
import { ChannelAccessForm, ConnectChannelForm } from "./ChannelForms";
import { WhatsAppLink } from "./WhatsAppLink";
import "./channels.css";

/**
 * An instance's chat channels in the inspector (decision 38): what its gateway reports for
 * each (read again whenever a job finishes or the instance changes), the changes waiting for
 * a person (from the room's approvals), and the forms to ask for one. Every change is an
 * approval; nothing here changes the gateway by itself. The status is read when the section
 * opens, when the bridge connects and when a change's job ends.
 */

/** One account's state in words, from what the gateway reports now. */
export function accountText(a: ChannelAccountStatus): string {
  if (!a.configured) return a.stateReason ?? "not configured";
  if (!a.enabled) return "configured, turned off";
  if (a.connected) return "connected";
  if (a.running) return "configured, not connected yet (the gateway must reach the service)";
  return `configured, not running${a.stateReason ? ` (${a.stateReason})` : ""}`;
}

type Open = { channel: string; form: "connect" | "access" } | null;

export function InstanceChannels({ instance }: { instance: Instance }) {
  const client = useRoom((s) => s.client);
  // The room refuses an agent's key a bot token: it reads why instead of a button that would fail.
  const agent = useRoom((s) => s.principal?.kind === "agent");
  const { read, pending, disabled } = useGatewaySection(
    instance,
    CHANNEL_OPERATIONS,
    async (c, instanceId) => (await c.instances.channels({ instanceId })).channels,
  );
  const channels = read.data;
  const [open, setOpen] = useState<Open>(null);
  const disconnect = useAction(async (channel: ChannelKind) => {
    if (!client) return;
    await client.instances.disconnectChannel({ instanceId: instance.id, channel });
  });
  const waiting = (channel: string) =>
    pending.some((a) => a.action?.kind === "instance" && a.action.channel?.channel === channel);
  return (
    <GatewaySection title="Channels" className="instance-channels" instance={instance} read={read} pending={pending}>
      {channels && (
        <ul className="channel-list" aria-label="Channels">
          {channels.map((c) => {
            const configured = c.accounts.some((a) => a.configured);
            const busy = disabled || waiting(c.channel);
            return (
              <li key={c.channel} className="channel-row">
                <strong>{c.label}</strong>{" "}
                {c.accounts.length === 0 ? (
                  <span className="muted small">not configured</span>
                ) : (
                  c.accounts.map((a) => (
                    <span key={a.accountId} className="muted small" data-account={a.accountId}>
                      {a.accountId === "default" ? "" : `${a.accountId}: `}
                      {accountText(a)}
                      {a.lastError && <span className="instance-error"> — {a.lastError}</span>}
                    </span>
                  ))
                )}
                <span className="muted small">
                  {" "}
                  · DMs: {c.dmPolicy ?? "pairing (default)"} — who may message it:{" "}
                  {DM_POLICY_WORDS[c.dmPolicy ?? "pairing"]}
                </span>
                {c.allowFrom.length > 0 && <span className="muted small"> · allowed: {c.allowFrom.join(", ")}</span>}
                {!c.configurable ? (
                  <p className="muted small">Set up on the gateway itself.</p>
                ) : (
                  <div className="actions">
                    {!configured && !agent && (
                      <button
                        type="button"
                        className="small"
                        disabled={busy}
                        onClick={() => setOpen({ channel: c.channel, form: "connect" })}
                      >
                        Connect {c.label}
                      </button>
                    )}
                    {!configured && agent && (
                      <span className="muted small">
                        A person connects {c.label}: an agent's key hands over no bot token.
                      </span>
                    )}
                    {configured && (
                      <ActionButton
                        action={disconnect}
                        payload={c.channel as ChannelKind}
                        label={`Ask to disconnect ${c.label}`}
                        className="small deny"
                        disabled={busy}
                      />
                    )}
                    <button
                      type="button"
                      className="link small"
                      disabled={busy}
                      onClick={() => setOpen({ channel: c.channel, form: "access" })}
                    >
                      Who may message…
                    </button>
                  </div>
                )}
                {open?.channel === c.channel && open.form === "connect" && (
                  <ConnectChannelForm
                    instanceId={instance.id}
                    channel={c.channel as ChannelKind}
                    label={c.label}
                    disabled={busy}
                    onDone={() => setOpen(null)}
                  />
                )}
                {open?.channel === c.channel && open.form === "access" && (
                  <ChannelAccessForm instanceId={instance.id} status={c} disabled={busy} onDone={() => setOpen(null)} />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {channels && <WhatsAppLink instance={instance} waiting={waiting("whatsapp")} />}
      <FormError error={disconnect.error} />
      <p className="muted small">
        Each change waits for a person's approval. Telegram is built in; Discord and Slack appear once their plugin is
        on the gateway, and WhatsApp links by QR code once its plugin is. A channel connects only when the gateway can
        reach its service.
      </p>
    </GatewaySection>
  );
}
