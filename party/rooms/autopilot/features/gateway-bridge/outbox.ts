import { appendMessage, getThread } from "../threads/index";
import { markOutbound, queuedFor } from "../instance-store";
import type { BridgeLink } from "./bridge-link";
import type { CatchUp } from "./catch-up";
import { GatewayRequestError } from "./gateway-connection";
import { isTransient } from "./gateway-errors";
import { leftOutNotice, outboundFiles } from "./outbox-files";
import { traceparent, turnTraceIds } from "../../../../domain/trace-context";

/** How soon a message that could not be sent (timeout, gateway busy) is tried again. */
const OUTBOX_RETRY_MS = 2_000;

/**
 * Queued room messages → `chat.send`, in order; the message id is the idempotency key (and
 * so the run id). A message's files go with it as `attachments` (outbox-files.ts).
 */
export class Outbox {
  readonly #link: BridgeLink;
  readonly #catchUp: CatchUp;
  #flushing: Promise<void> | null = null;
  #flushAgain = false;
  #flushRetry: ReturnType<typeof setTimeout> | null = null;

  constructor(link: BridgeLink, catchUp: CatchUp) {
    this.#link = link;
    this.#catchUp = catchUp;
  }

  stop(): void {
    if (this.#flushRetry) clearTimeout(this.#flushRetry);
  }

  flush(): Promise<void> {
    if (this.#flushing) {
      this.#flushAgain = true;
      return this.#flushing;
    }
    const link = this.#link;
    this.#flushing = (async () => {
      do {
        this.#flushAgain = false;
        const connection = link.live;
        // Not before the catch-up: it tells which queued messages the gateway already has.
        if (!connection || !link.caughtUp) return;
        for (const out of queuedFor(link.sql, link.instanceId)) {
          if (this.#catchUp.unsynced(out.threadId)) continue;
          // Queued while the gateway was away, sent maybe much later: it is the author's work,
          // so it goes only while they still may post (their access may have gone meanwhile).
          let refusal: string | null;
          try {
            refusal = out.author && link.deps.mayNoLongerPost ? await link.deps.mayNoLongerPost(out.author) : null;
          } catch {
            this.#retrySoon(); // unread is not gone: it stays queued and is checked again
            return;
          }
          if (refusal !== null) {
            link.room("instance", (ctx) => {
              markOutbound(ctx.sql, out.messageId, "failed");
              const thread = getThread(ctx.sql, out.threadId);
              if (thread) appendMessage(ctx, thread, ctx.actor, `Not sent to OpenClaw: ${refusal}.`, { kind: "error" });
            });
            continue;
          }
          // Read now, not when queued: the outbox holds ids, and a file gone meanwhile is said.
          const { attachments, leftOut } = await outboundFiles(link.sql, out.fileIds, link.deps.files);
          if (out.text === "" && attachments.length === 0) {
            link.room("instance", (ctx) => {
              markOutbound(ctx.sql, out.messageId, "failed");
              const thread = getThread(ctx.sql, out.threadId);
              if (thread)
                appendMessage(
                  ctx,
                  thread,
                  ctx.actor,
                  `Not sent to OpenClaw: none of its files could be sent: ${leftOut.join("; ")}.`,
                  { kind: "error" },
                );
            });
            continue;
          }
          try {
            // The turn's trace goes on in the gateway (its spans join it where it exports to the same collector).
            await connection.request(
              "chat.send",
              {
                sessionKey: out.sessionKey,
                message: out.text,
                idempotencyKey: out.messageId,
                ...(attachments.length > 0 ? { attachments } : {}),
              },
              undefined,
              traceparent(turnTraceIds(link.deps.workspaceId, out.messageId)),
            );
            const notice = leftOutNotice(leftOut);
            link.room("instance", (ctx) => {
              markOutbound(ctx.sql, out.messageId, "sent");
              const thread = notice ? getThread(ctx.sql, out.threadId) : null;
              if (thread && notice) appendMessage(ctx, thread, ctx.actor, notice, { kind: "error" });
            });
          } catch (error) {
            if (!(error instanceof GatewayRequestError) || isTransient(error)) {
              // Timeout, busy gateway, dropped link: it stays queued (same idempotency key) and is tried again.
              this.#retrySoon();
              return;
            }
            link.room("instance", (ctx) => {
              markOutbound(ctx.sql, out.messageId, "failed");
              const thread = getThread(ctx.sql, out.threadId);
              if (thread)
                appendMessage(ctx, thread, ctx.actor, `OpenClaw did not accept this message: ${error.message}`, {
                  kind: "error",
                });
            });
          }
        }
      } while (this.#flushAgain);
    })()
      .catch((error: unknown) => link.log("sending queued messages failed", error))
      .finally(() => {
        this.#flushing = null;
      });
    return this.#flushing;
  }

  #retrySoon(): void {
    if (this.#flushRetry || this.#link.stopped) return;
    this.#flushRetry = setTimeout(() => {
      this.#flushRetry = null;
      void this.flush();
    }, OUTBOX_RETRY_MS);
  }
}
