import { CHAT_PLATFORM_UI } from "./chat-platforms";
import { submitted } from "../lib/form-submit";
import { useState } from "react";
import type { ChatGuests, ChatLinkCode, ChatPlatform, ChatsView } from "../../../shared/protocol/chats";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { useRoom } from "../stores/room";

const label = (platform: ChatPlatform): string => CHAT_PLATFORM_UI[platform].label;

/** Who is answered in a bound chat, in words (docs/chats.md, "Conversations"). */
const GUESTS: Record<ChatGuests, string> = {
  answer: "Everyone: guests get answers from this thread only",
  "linked-only": "Linked people only: guests are not answered",
};

/**
 * Threads bound to chats (protocol 14): what is said in a bound Slack channel or Telegram
 * group arrives in its thread, and the thread's replies go there. An owner or admin binds one
 * with a code sent in the chat (the bot must be in it), chooses who is answered there (protocol
 * 19) and unbinds it here.
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
  const setGuests = useAction(async ({ threadId, guests }: { threadId: string; guests: ChatGuests }) => {
    await client?.chats.bindingAccess({ threadId, guests });
  });
  if (platforms.length === 0) return null;
  /** The connected platforms' chats a thread binds to: "a Slack channel or a Telegram group". */
  const places = platforms.map((p) => `a ${CHAT_PLATFORM_UI[p].label} ${CHAT_PLATFORM_UI[p].bindWhere}`);
  const where = places.length > 1 ? `${places.slice(0, -1).join(", ")} or ${places.at(-1)}` : places[0];
  return (
    <div className="chats-conversations">
      <h4>Conversations</h4>
      <p className="hint">
        Bind a thread to {where}: what is said there arrives in the thread, and the thread's replies go there. People
        who linked their account speak as themselves. Anyone else in the chat is a guest: a guest decides nothing, and
        the Autopilot answers them using only this thread — reading another thread, the memory or the audit log, or
        posting elsewhere, waits for a person here to approve. Set a chat to linked people only to leave guests
        unanswered.
      </p>
      {chats.bindings.length === 0 ? (
        <p className="muted small">No thread is bound to a chat.</p>
      ) : (
        <ul className="chats-bindings">
          {chats.bindings.map((b) => (
            <li key={b.threadId}>
              <strong>{threads.get(b.threadId)?.title ?? "A thread"}</strong> ↔ {label(b.platform)} {b.chatTitle}
              <span className="muted small">
                {" "}
                · bound by {b.boundBy.name} {relativeTime(b.boundAt)}
              </span>
              {manager ? (
                <select
                  aria-label={`Who is answered in ${label(b.platform)} ${b.chatTitle}`}
                  value={b.guests ?? "answer"}
                  disabled={setGuests.pending}
                  onChange={(e) => setGuests.run({ threadId: b.threadId, guests: e.target.value as ChatGuests })}
                >
                  {(Object.keys(GUESTS) as ChatGuests[]).map((g) => (
                    <option key={g} value={g}>
                      {GUESTS[g]}
                    </option>
                  ))}
                </select>
              ) : (
                <span className="muted small"> · {GUESTS[b.guests ?? "answer"]}</span>
              )}
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
                  {label(p)}
                </option>
              ))}
            </select>
          )}
          <button type="submit" disabled={makeCode.pending || !threadId}>
            Get a bind code
          </button>
          {code && (
            <p className="link-code" role="status">
              Add the bot to the {CHAT_PLATFORM_UI[code.platform].bindWhere}, then send{" "}
              <code>{CHAT_PLATFORM_UI[code.platform].bindCommand(code.code)}</code> there within{" "}
              {Math.max(1, Math.round((code.expiresAt - Date.now()) / 60_000))} minutes. Everyone in it is answered,
              guests from this thread only; choose linked people only above once it is bound.
            </p>
          )}
        </form>
      )}
      <FormError error={makeCode.error ?? unbind.error ?? setGuests.error} />
    </div>
  );
}
