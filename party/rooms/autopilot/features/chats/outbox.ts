import type { RoomServices } from "../../kernel/services";
import type { ChatParts } from "./bot";
import type { PlatformCall } from "./platform";
import { approvalMessages, connections, type Outgoing, outbox, streamMessages } from "./store";

/** A retried call gives up after a day: the approval has been seen elsewhere by then, or expired. */
const GIVE_UP_AFTER_MS = 24 * 60 * 60 * 1000;
const backoff = (attempts: number) => Math.min(10 * 60_000, 5_000 * 2 ** attempts);

/**
 * Every call the room makes to a chat platform, queued in the room (store.ts `outbox`) in the
 * transaction that decided it, then made one at a time in order, after the commit. A call the
 * platform refuses for now (it is down, it says wait) is tried again later on the room's alarm
 * (`drainChats`), for a day at most; one it refuses for good is dropped. Either way the reason
 * shows in the app (the connection's `lastError`, its `waiting` count), and nothing in the room
 * waits for the platform.
 */
export class ChatOutbox {
  #dirty = false;
  #draining: Promise<void> | null = null;

  constructor(
    private readonly s: RoomServices,
    private readonly parts: () => Pick<ChatParts, "tokenOf" | "apiBase" | "changed" | "platform">,
  ) {}

  /** Makes the calls that are due, now or after the ones already being made. */
  drain(): void {
    this.#dirty = true;
    if (this.#draining) return;
    this.#draining = this.s
      .keepAliveWhile(async () => {
        while (this.#dirty) {
          this.#dirty = false;
          while (await this.#sendNext()) this.#dirty = false;
        }
      })
      .finally(() => {
        this.#draining = null;
      });
  }

  #wakeAt(at: number) {
    return this.s.scheduler
      .set(new Date(Math.max(at, Date.now())), "drainChats", { at })
      .catch((error: unknown) =>
        console.error(
          JSON.stringify({ msg: "could not schedule chats", workspace: this.s.workspaceId(), error: String(error) }),
        ),
      );
  }

  /**
   * The first call that is due, in order per platform: a platform's calls wait behind its
   * first one that is waiting for a retry, another platform's do not. Null when none is due.
   */
  #due(): { head: { key: string; value: Outgoing } | null; wakeAt: number | null } {
    const waiting = new Set<string>();
    let wakeAt: number | null = null;
    const now = Date.now();
    for (const entry of outbox.entries(this.s.sql)) {
      if (waiting.has(entry.value.platform)) continue;
      if (entry.value.nextAt <= now) return { head: entry, wakeAt: null };
      waiting.add(entry.value.platform);
      wakeAt = Math.min(wakeAt ?? entry.value.nextAt, entry.value.nextAt);
    }
    return { head: null, wakeAt };
  }

  /** Makes the first call that is due; false when none is (then the alarm is set for the next). */
  async #sendNext(): Promise<boolean> {
    const { s } = this;
    const { head, wakeAt } = this.#due();
    if (!head) {
      if (wakeAt !== null) await this.#wakeAt(wakeAt);
      return false;
    }
    const { key, value: call } = head;
    const connection = connections.get(s.sql, call.platform);
    const api = this.parts().platform(call.platform);
    // The message a call names: an approval's, or a reply's while it streams.
    const approval = call.message ? approvalMessages.get(s.sql, call.message) : null;
    const streamed = call.message && !approval ? streamMessages.get(s.sql, call.message) : null;
    const message = approval ?? streamed;
    const buttons = call.buttons ?? undefined;
    // An edit of a message the platform never took (or a note about one) has nothing to name;
    // a streamed reply whose first message never went is sent whole instead.
    const request: PlatformCall | null =
      call.op === "send" && call.chat !== null
        ? api.send(call.chat, call.text, buttons)
        : message?.messageId == null
          ? streamed && call.op === "edit"
            ? api.send(streamed.chatId, call.text)
            : null
          : call.op === "edit"
            ? api.edit(message.chatId, message.messageId, call.text, buttons)
            : api.askNote(message.chatId, message.messageId, call.text);
    if (!connection || !request) {
      s.commit(null, (ctx) => outbox.delete(ctx.sql, key));
      return true;
    }
    const parts = this.parts();
    const outcome = await api.call(parts.apiBase(call.platform), await parts.tokenOf(connection), request);
    const now = Date.now();
    s.commit(null, (ctx) => {
      const current = connections.get(ctx.sql, call.platform);
      if (outcome.ok) {
        outbox.delete(ctx.sql, key);
        const kept = call.message ? approvalMessages.get(ctx.sql, call.message) : null;
        const sent = outcome.sent;
        const streaming = call.message && !kept ? streamMessages.get(ctx.sql, call.message) : null;
        if (call.message && streaming?.messageId === null && sent)
          streamMessages.put(ctx.sql, call.message, { ...streaming, messageId: sent.message }, now);
        // The message's id as the platform gave it (Slack names the direct chat it opened, too).
        if (call.message && kept && sent && call.op !== "edit")
          approvalMessages.put(
            ctx.sql,
            call.message,
            call.op === "send"
              ? { ...kept, chatId: sent.chat, messageId: sent.message }
              : { ...kept, notePrompt: api.noteRef(kept.messageId ?? sent.message, sent) },
            now,
          );
        if (current?.lastError) connections.put(ctx.sql, call.platform, { ...current, lastError: null }, now);
        return;
      }
      const firstTriedAt = call.firstTriedAt ?? now;
      if (outcome.retry && now - firstTriedAt < GIVE_UP_AFTER_MS)
        outbox.put(
          ctx.sql,
          key,
          {
            ...call,
            attempts: call.attempts + 1,
            firstTriedAt,
            nextAt: now + (outcome.retryAfterMs ?? backoff(call.attempts)),
          },
          now,
        );
      else outbox.delete(ctx.sql, key);
      if (current) connections.put(ctx.sql, call.platform, { ...current, lastError: outcome.description }, now);
      console.error(
        JSON.stringify({
          msg: "chat call failed",
          workspace: s.workspaceId(),
          op: call.op,
          error: outcome.description,
        }),
      );
    });
    // The app shows what waits and why: it is told when that changed (a call failed, one that
    // had waited went, a problem cleared), not for every message that went at once.
    if (!outcome.ok || call.attempts > 0 || connection.lastError !== null) parts.changed();
    // Even after a failure: the next look finds the call not yet due and sets the alarm for it.
    return true;
  }
}
