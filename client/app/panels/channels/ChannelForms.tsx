import { type FormEvent, useState } from "react";
import {
  AllowFromEntry,
  type ChannelKind,
  type ChannelStatus,
  channelRequestProblem,
  type DmPolicy,
} from "../../../../shared/protocol/channels";
import { useAction } from "../../lib/action";
import { type ChangeFormProps, FormActions, SecretField } from "../change-form";
import { useRoom } from "../../stores/room";
import { Options } from "../../lib/options";

/**
 * The two forms of a channel (decision 38): connecting it with a bot token, and who may DM
 * the instance there. Both file an approval; what the gateway then reports shows in the list.
 */

const TOKEN_HINT: Record<ChannelKind, string> = {
  telegram: "from @BotFather, e.g. 123456789:AA…",
  discord: "the bot's token from the Discord developer portal",
  slack: "the bot token, xoxb-…",
};

/**
 * A bot token goes to the room once: the field is cleared the moment the form is sent (the
 * request carries it), and it is never shown again — not here, not in the approval.
 */
export function ConnectChannelForm({
  instanceId,
  channel,
  label,
  disabled,
  onDone,
}: ChangeFormProps & { channel: ChannelKind; label: string }) {
  const client = useRoom((s) => s.client);
  const [botToken, setBotToken] = useState("");
  const [appToken, setAppToken] = useState("");
  const send = useAction(async (tokens: { botToken: string; appToken: string }) => {
    if (!client) return;
    await client.instances.configureChannel({
      instanceId,
      channel,
      botToken: tokens.botToken,
      ...(channel === "slack" ? { appToken: tokens.appToken } : {}),
    });
    onDone();
  });
  const problem =
    botToken.trim().length < 10
      ? "Paste the bot token."
      : channel === "slack" && appToken.trim().length < 10
        ? "Slack needs its app token (xapp-…) too."
        : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    send.run({ botToken: botToken.trim(), appToken: appToken.trim() });
    setBotToken("");
    setAppToken("");
  };
  return (
    <form className="channel-form" onSubmit={submit} aria-label={`Connect ${label}`}>
      <SecretField
        label="Bot token"
        value={botToken}
        onChange={setBotToken}
        placeholder={TOKEN_HINT[channel]}
        disabled={disabled || send.pending}
      />
      {channel === "slack" && (
        <SecretField
          label="App token"
          value={appToken}
          onChange={setAppToken}
          placeholder="xapp-… (socket mode)"
          disabled={disabled || send.pending}
        />
      )}
      <p className="muted small">
        The token is kept by the room until a person approves; then it goes to the gateway and is not shown again.
      </p>
      <FormActions
        ask={`Ask to connect ${label}`}
        disabled={disabled || problem !== null}
        send={send}
        onCancel={onDone}
      />
    </form>
  );
}

const POLICIES: { value: DmPolicy; label: string }[] = [
  { value: "pairing", label: "Ask first (each new sender is an approval here)" },
  { value: "allowlist", label: "Only the senders listed" },
  { value: "open", label: "Anyone" },
  { value: "disabled", label: "Nobody" },
];

const parseList = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/** Who may DM the instance on a channel: the policy and the list, filed as one approval. */
export function ChannelAccessForm({
  instanceId,
  status,
  disabled,
  onDone,
}: ChangeFormProps & { status: ChannelStatus }) {
  const client = useRoom((s) => s.client);
  const [dmPolicy, setPolicy] = useState<DmPolicy>(status.dmPolicy ?? "pairing");
  const [list, setList] = useState(status.allowFrom.join("\n"));
  const channel = status.channel as ChannelKind;
  const send = useAction(async (p: { dmPolicy: DmPolicy; allowFrom: string[] }) => {
    if (!client) return;
    await client.instances.setChannelAccess({ instanceId, channel, ...p });
    onDone();
  });
  const allowFrom = parseList(list);
  const entries = dmPolicy === "open" && !allowFrom.includes("*") ? [...allowFrom, "*"] : allowFrom;
  const bad = entries.find((entry) => !AllowFromEntry.safeParse(entry).success);
  const problem = bad
    ? `"${bad.slice(0, 40)}" is not a sender id or @username.`
    : entries.length > 200
      ? "At most 200 senders."
      : channelRequestProblem({ channel, dmPolicy, allowFrom: entries });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!problem) send.run({ dmPolicy, allowFrom: entries });
  };
  return (
    <form className="channel-form" onSubmit={submit} aria-label={`Who may message on ${status.label}`}>
      <label>
        Direct messages
        <select
          value={dmPolicy}
          onChange={(e) => setPolicy(e.target.value as DmPolicy)}
          disabled={disabled || send.pending}
        >
          <Options items={POLICIES} value={(p) => p.value} label={(p) => p.label} />
        </select>
      </label>
      <label>
        Allowed senders
        <textarea
          value={list}
          onChange={(e) => setList(e.target.value)}
          rows={3}
          placeholder="one sender id or @username a line"
          disabled={disabled || send.pending}
        />
      </label>
      {problem && <p className="empty">{problem}</p>}
      <FormActions ask="Ask to change access" disabled={disabled || problem !== null} send={send} onCancel={onDone} />
    </form>
  );
}
