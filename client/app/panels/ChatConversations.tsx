import { submitted } from "../lib/form-submit";
import { useState } from "react";
import type { ChatLinkCode, ChatPlatform, ChatsView } from "../../../shared/protocol/chats";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { useRoom } from "../stores/room";

const LABEL: Record<ChatPlatform, string> = { telegram: "Telegram", slack: "Slack" };

/**
 * Threads bound to chats (protocol 14): what is said in a bound Slack channel or Telegram
 * group arrives in its thread, and the thread's replies go there. An owner or admin binds one
 * with a code sent in the chat (the bot must be in it) and unbinds it here.
 */
export function ChatConversations({ chats, manager }: { chats: ChatsView; manager: boolean }) {
  const client = useRoom((s) => s.client);
  const threads = useRoom((s) => s.state.threads);
  const open = [...threads.values()].filter((t) => !t.archived).sort((a, b) => b.updatedAt - a.updatedAt);
  const platforms = chats.connections.map((c) => c.platform);
  const [threadId, setThreadId] = useState("");
  const [platform, setPlatform] = useState<ChatPlatform | "">("");
  const [code, setCode] = useState<(ChatLinkCode & { platform: ChatPlatform }) | null>(null);
  const chosenPlatform = platform || platforms[0] || "";
  const makeCode = useAction(async () => {
    if (!client || !threadId || !chosenPlatform) return;
    const made = await client.chats.bindCode({ platform: chosenPlatform, threadId });
    setCode({ ...made, platform: chosenPlatform });
  });
  const unbind = useAction(async (id: string) => {
    await client?.chats.unbind({ threadId: id });
  });
  if (platforms.length === 0) return null;
  return (
    <div className="chats-conversations">
      <h4>Conversations</h4>
      <p className="hint">
        Bind a thread to a Slack channel or a Telegram group: what is said there arrives in the thread (as the linked
        person, or as a guest who decides nothing), and the thread's replies go there.
      </p>
      {chats.bindings.length === 0 ? (
        <p className="muted small">No thread is bound to a chat.</p>
      ) : (
        <ul className="chats-bindings">
          {chats.bindings.map((b) => (
            <li key={b.threadId}>
              <strong>{threads.get(b.threadId)?.title ?? "A thread"}</strong> ↔ {LABEL[b.platform]} {b.chatTitle}
              <span className="muted small">
                {" "}
                · bound by {b.boundBy.name} {relativeTime(b.boundAt)}
              </span>
              {manager && (
                <button
                  type="button"
                  className="ghost small"
                  disabled={unbind.pending}
                  onClick={() => unbind.run(b.threadId)}
                >
                  Unbind
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {manager && (
        <form className="chats-bind" onSubmit={submitted(() => makeCode.run())}>
          <label className="field-label" htmlFor="bind-thread">
            Bind a thread to a chat
          </label>
          <select id="bind-thread" value={threadId} onChange={(e) => setThreadId(e.target.value)}>
            <option value="">Choose a thread…</option>
            {open.map((t) => (
              <option key={t.id} value={t.id}>
                {t.title}
              </option>
            ))}
          </select>
          {platforms.length > 1 && (
            <select
              aria-label="Chat platform"
              value={chosenPlatform}
              onChange={(e) => setPlatform(e.target.value as ChatPlatform)}
            >
              {platforms.map((p) => (
                <option key={p} value={p}>
                  {LABEL[p]}
                </option>
              ))}
            </select>
          )}
          <button type="submit" disabled={makeCode.pending || !threadId}>
            Get a bind code
          </button>
          {code && (
            <p className="link-code" role="status">
              Add the bot to the {code.platform === "slack" ? "channel" : "group"}, then send{" "}
              <code>
                {code.platform === "telegram" ? "/bind" : "bind"} {code.code}
              </code>{" "}
              there within {Math.max(1, Math.round((code.expiresAt - Date.now()) / 60_000))} minutes.
            </p>
          )}
        </form>
      )}
      <FormError error={makeCode.error ?? unbind.error} />
    </div>
  );
}
