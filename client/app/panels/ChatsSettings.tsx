import { useEffect, useState } from "react";
import type { ChatLinkCode, ChatsView } from "../../../shared/protocol/chats";
import { useAction } from "../lib/action";
import { ConfirmInline } from "../lib/confirm-inline";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { useRoom } from "../stores/room";
import { useSession } from "../stores/session";

/**
 * The workspace's chats (protocol 13): the Autopilot as a Telegram bot an owner or admin
 * connects, and this person's link to it (a one-time code they send the bot), after which the
 * approvals they may decide reach them there with buttons. Asked on every hello, then followed
 * by `chats.changed`; the bot's token goes to the room once and never comes back.
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

export function ChatsSettings({ manager }: { manager: boolean }) {
  const chats = useChats();
  const client = useRoom((s) => s.client);
  const person = useSession((s) => s.me?.kind === "user");
  const [token, setToken] = useState("");
  const [code, setCode] = useState<ChatLinkCode | null>(null);
  const connect = useAction(async () => {
    await client?.chats.connect({ platform: "telegram", botToken: token.trim(), origin: window.location.origin });
    setToken("");
    return "Connected.";
  });
  const disconnect = useAction(async () => {
    await client?.chats.disconnect({ platform: "telegram" });
    setCode(null);
  });
  const makeCode = useAction(async () => {
    const made = await client?.chats.linkCode({ platform: "telegram" });
    if (made) setCode(made);
  });
  const unlink = useAction(async () => {
    await client?.chats.unlink({ platform: "telegram" });
  });
  const telegram = chats?.connections.find((c) => c.platform === "telegram") ?? null;
  const link = chats?.links.find((l) => l.platform === "telegram") ?? null;
  return (
    <section aria-labelledby="chats-h" className="chats-settings">
      <h3 id="chats-h">Chats</h3>
      {!chats ? (
        <p className="muted small">Loading…</p>
      ) : !telegram ? (
        manager && person ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              connect.run();
            }}
          >
            <p className="hint">
              Connect a Telegram bot and the approvals each person may decide reach them in Telegram, with Approve and
              Deny buttons. Make a bot with @BotFather and paste its token here; it is kept sealed on the server.
            </p>
            <label className="field-label" htmlFor="telegram-token">
              Telegram bot token
            </label>
            <input
              id="telegram-token"
              type="password"
              autoComplete="off"
              value={token}
              onChange={(e) => setToken(e.target.value)}
              placeholder="123456789:AA…"
            />
            <button type="submit" disabled={connect.pending || token.trim() === ""}>
              {connect.pending ? "Connecting…" : "Connect Telegram"}
            </button>
            <FormError error={connect.error} />
          </form>
        ) : (
          <p className="hint">Not connected to a chat. An owner or admin can connect a Telegram bot here.</p>
        )
      ) : (
        <>
          <p role="status">
            Telegram: <strong>@{telegram.botUsername}</strong>
            <span className="muted small">
              {" "}
              · connected by {telegram.connectedBy.name} {relativeTime(telegram.connectedAt)}
            </span>
          </p>
          {telegram.waiting > 0 && (
            <p className="notice small" role="status">
              {telegram.waiting} message{telegram.waiting === 1 ? "" : "s"} waiting to reach Telegram
              {telegram.lastError ? ` (Telegram said: ${telegram.lastError})` : ""}; they are retried.
            </p>
          )}
          {telegram.waiting === 0 && telegram.lastError && (
            <p className="muted small">Last problem with Telegram: {telegram.lastError}</p>
          )}
          {person &&
            (link ? (
              <p>
                Your Telegram account <strong>{link.handle}</strong> is linked: approvals you may decide come there.{" "}
                <button type="button" className="ghost small" disabled={unlink.pending} onClick={() => unlink.run()}>
                  Unlink
                </button>
              </p>
            ) : code ? (
              <p className="link-code">
                Send <code>/link {code.code}</code> to{" "}
                <a href={`https://t.me/${code.botUsername}?start=${code.code}`} target="_blank" rel="noreferrer">
                  @{code.botUsername}
                </a>{" "}
                in Telegram within {Math.max(1, Math.round((code.expiresAt - Date.now()) / 60_000))} minutes.
              </p>
            ) : (
              <button type="button" disabled={makeCode.pending} onClick={() => makeCode.run()}>
                Link my Telegram account
              </button>
            ))}
          {manager && person && (
            <div className="chats-disconnect">
              <ConfirmInline
                label="Disconnect Telegram"
                question="Disconnect Telegram? Approvals stop going there, and everyone's link to the bot is forgotten."
                yes="Yes, disconnect"
                disabled={disconnect.pending}
                onConfirm={() => disconnect.run()}
              />
            </div>
          )}
          <FormError error={makeCode.error ?? unlink.error ?? disconnect.error} />
        </>
      )}
    </section>
  );
}
