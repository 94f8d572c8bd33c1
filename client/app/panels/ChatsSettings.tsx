import { submitted } from "../lib/form-submit";
import { useEffect, useState } from "react";
import type { ChatConnection, ChatLinkCode, ChatPlatform, ChatsView } from "../../../shared/protocol/chats";
import { useAction } from "../lib/action";
import { ConfirmInline } from "../lib/confirm-inline";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { useRoom } from "../stores/room";
import { useSession } from "../stores/session";
import { ChatConversations } from "./ChatConversations";
import { TextField } from "../lib/text-field";
import { CHAT_PLATFORM_UI, CHAT_PLATFORMS_SHOWN } from "./chat-platforms";

/**
 * The workspace's chats (protocol 13): the Autopilot as a Telegram or Slack bot an owner or
 * admin connects, and this person's link to it (a one-time code they send the bot), after
 * which the approvals they may decide reach them there with buttons; and the threads bound
 * to a chat (ChatConversations.tsx). Asked on every hello,
 * then followed by `chats.changed`; a bot's token goes to the room once and never comes back.
 */
function useChats(): ChatsView | null {
  const client = useRoom((s) => s.client);
  const [chats, setChats] = useState<ChatsView | null>(null);
  useEffect(() => {
    setChats(null);
    if (!client) return;
    const read = () =>
      client.chats.get({}).then(
        (result) => setChats(result.chats),
        () => setChats(null),
      );
    const off = [client.on("hello", () => void read()), client.on("chats.changed", (p) => setChats(p.chats))];
    if (client.hello) void read();
    return () => {
      for (const stop of off) stop();
    };
  }, [client]);
  return chats;
}

/** A form for what connects the platform's bot, as its entry lists the fields (chat-platforms.tsx). */
function ConnectForm({ platform }: { platform: ChatPlatform }) {
  const client = useRoom((s) => s.client);
  const ui = CHAT_PLATFORM_UI[platform];
  const [values, setValues] = useState<Record<string, string>>({});
  const value = (param: string) => (values[param] ?? "").trim();
  const connect = useAction(async () => {
    await client?.chats.connect({
      platform,
      botToken: value("botToken"),
      ...(ui.fields.some((f) => f.param === "signingSecret") ? { signingSecret: value("signingSecret") } : {}),
      origin: window.location.origin,
    });
    setValues({});
    return "Connected.";
  });
  const ready = ui.fields.every((f) => value(f.param) !== "");
  return (
    <form className="chats-connect" onSubmit={submitted(() => connect.run())}>
      {ui.connectHint && <p className="hint">{ui.connectHint}</p>}
      {ui.fields.map((field) => (
        <TextField
          key={field.param}
          id={field.param === "botToken" ? `${platform}-token` : `${platform}-signing-secret`}
          label={field.label}
          type="password"
          autoComplete="off"
          value={values[field.param] ?? ""}
          onChange={(v) => setValues((before) => ({ ...before, [field.param]: v }))}
          {...(field.placeholder ? { placeholder: field.placeholder } : {})}
        />
      ))}
      <button type="submit" disabled={connect.pending || !ready}>
        {connect.pending ? "Connecting…" : `Connect ${ui.label}`}
      </button>
      <FormError error={connect.error} />
    </form>
  );
}

/** A connected platform: its bot, what waits for it, this person's link, and disconnecting. */
function Connected({
  connection,
  link,
  manager,
  person,
}: {
  connection: ChatConnection;
  link: ChatsView["links"][number] | null;
  manager: boolean;
  person: boolean;
}) {
  const client = useRoom((s) => s.client);
  const { platform } = connection;
  const [code, setCode] = useState<ChatLinkCode | null>(null);
  const disconnect = useAction(async () => {
    await client?.chats.disconnect({ platform });
    setCode(null);
  });
  const makeCode = useAction(async () => {
    const made = await client?.chats.linkCode({ platform });
    if (made) setCode(made);
  });
  const unlink = useAction(async () => {
    await client?.chats.unlink({ platform });
  });
  const ui = CHAT_PLATFORM_UI[platform];
  const { label } = ui;
  const setupHint = manager ? ui.setupHint(connection) : null;
  return (
    <div className={`chats-platform chats-${platform}`}>
      <p role="status">
        {label}: <strong>{ui.botHandle(connection.botUsername)}</strong>
        <span className="muted small">
          {" "}
          · connected by {connection.connectedBy.name} {relativeTime(connection.connectedAt)}
        </span>
      </p>
      {setupHint && <p className="hint">{setupHint}</p>}
      {connection.waiting > 0 && (
        <p className="notice small" role="status">
          {connection.waiting} message{connection.waiting === 1 ? "" : "s"} waiting to reach {label}
          {connection.lastError ? ` (${label} said: ${connection.lastError})` : ""}; they are retried.
        </p>
      )}
      {connection.waiting === 0 && connection.lastError && (
        <p className="muted small">
          Last problem with {label}: {connection.lastError}
        </p>
      )}
      {person &&
        (link ? (
          <p>
            Your {label} account <strong>{link.handle}</strong> is linked: approvals you may decide come there.{" "}
            <button type="button" className="ghost small" disabled={unlink.pending} onClick={() => unlink.run()}>
              Unlink
            </button>
          </p>
        ) : code ? (
          <p className="link-code">
            {ui.linkHow(code)} within {Math.max(1, Math.round((code.expiresAt - Date.now()) / 60_000))} minutes.
          </p>
        ) : (
          <button type="button" disabled={makeCode.pending} onClick={() => makeCode.run()}>
            Link my {label} account
          </button>
        ))}
      {manager && person && (
        <div className="chats-disconnect">
          <ConfirmInline
            label={`Disconnect ${label}`}
            question={`Disconnect ${label}? Approvals stop going there, and everyone's link to the bot is forgotten.`}
            yes="Yes, disconnect"
            disabled={disconnect.pending}
            onConfirm={() => disconnect.run()}
          />
        </div>
      )}
      <FormError error={makeCode.error ?? unlink.error ?? disconnect.error} />
    </div>
  );
}

export function ChatsSettings({ manager }: { manager: boolean }) {
  const chats = useChats();
  const person = useSession((s) => s.me?.kind === "user");
  const platforms = CHAT_PLATFORMS_SHOWN;
  const labels = platforms.map((p) => CHAT_PLATFORM_UI[p].label);
  return (
    <section aria-labelledby="chats-h" className="chats-settings">
      <h3 id="chats-h">Chats</h3>
      <p className="hint">
        Connect a {labels.slice(0, -1).join(", ")} or {labels.at(-1)} bot, and the approvals each person may decide
        reach them there with Approve and Deny buttons. A bot's token is kept sealed on the server.
      </p>
      {!chats ? (
        <p className="muted small">Loading…</p>
      ) : (
        platforms.map((platform) => {
          const connection = chats.connections.find((c) => c.platform === platform);
          if (connection)
            return (
              <Connected
                key={platform}
                connection={connection}
                link={chats.links.find((l) => l.platform === platform) ?? null}
                manager={manager}
                person={person}
              />
            );
          return manager && person ? (
            <details key={platform} className="chats-offer">
              <summary>Set up {CHAT_PLATFORM_UI[platform].label}</summary>
              <ConnectForm platform={platform} />
            </details>
          ) : (
            <p key={platform} className="muted small">
              Not connected to {CHAT_PLATFORM_UI[platform].label}. An owner or admin can connect it here.
            </p>
          );
        })
      )}
      {chats && <ChatConversations chats={chats} manager={manager && person} />}
    </section>
  );
}
