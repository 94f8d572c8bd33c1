// How a post becomes a turn of the Autopilot, bounded per thread. While a run is active,
// posts fold into one follow-up turn (it sees every one of them: its context ends at the
// newest), so a flood of messages costs two turns, not one each. On top, the per-minute
// cap of turn-limits.ts: a post beyond it is not answered and the thread is told when it
// will be again (the runner posts the notice, once per wait).
import type { Actor, Principal } from "../../../../../shared/protocol/principal";
import { coversMessage, nextQueued, queueRun, retriggerQueued, turnsSince } from "./agent-runs";
import type { Sql } from "../../../../domain/sql";
import { runScopes } from "../toolset/index";
import { commonScopes, turnLimit, WINDOW_MS } from "./turn-limits";

export type Intake =
  /** A run already answers it (a replayed `chat.send`, or it was folded earlier). */
  | { kind: "covered" }
  | { kind: "queued" }
  /** Added to the thread's waiting follow-up turn. */
  | { kind: "folded" }
  | { kind: "limited"; retryInMs: number };

export function takePost(
  sql: Sql,
  input: {
    threadId: string;
    message: { id: string; n: number };
    principal: Principal;
    /** A guest in a bound chat whose words these are (the run answers them for `principal`). */
    guest?: Actor | undefined;
    now: number;
    newRunId: () => string;
  },
): Intake {
  const { threadId, message, principal, now } = input;
  // A guest's words keep the run a guest's, whoever posts after them (agent-run.ts `guest`).
  const guestOf = (before?: Actor) => {
    const guest = before ?? input.guest;
    return guest ? { guest: { id: guest.id, kind: guest.kind, name: guest.name } } : {};
  };
  return sql.transaction((): Intake => {
    if (coversMessage(sql, threadId, message.n)) return { kind: "covered" };
    const triggeredBy = { id: principal.id, kind: principal.kind, name: principal.name };
    const scopes = runScopes(principal.scopes);
    const waiting = nextQueued(sql, threadId);
    if (waiting) {
      retriggerQueued(
        sql,
        waiting,
        message,
        {
          ...waiting.doc,
          triggeredBy,
          scopes: commonScopes(waiting.doc.scopes, scopes),
          ...guestOf(waiting.doc.guest),
        },
        now,
      );
      return { kind: "folded" };
    }
    const limit = turnLimit(turnsSince(sql, threadId, now - WINDOW_MS), now);
    if (limit) return { kind: "limited", ...limit };
    const doc = { triggeredBy, scopes, triggerN: message.n, messages: [], pending: [], ...guestOf() };
    return queueRun(sql, { id: input.newRunId(), threadId, triggerMessageId: message.id, doc }, now)
      ? { kind: "queued" }
      : { kind: "covered" };
  });
}
