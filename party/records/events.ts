import {
  type DurableEvent,
  type DurableEventName,
  DurableEvents,
  type EventPayload,
} from "../../shared/protocol/events";
import { defineRecord, eachUpgradedBy, type RecordCodec, StoredRecordError, type Upgrade } from "./codec";
import { approvalIn } from "./approval-upgrades";
import { scheduleIn } from "./schedule-upgrades";
import { THREAD_IN_UPGRADES } from "./thread-upgrades";

// Durable event payloads in the room's event log (kept for resume, up to EVENT_LOG_RETAIN
// events). Each event name is its own record kind with its own version: a step that
// upgrades an entity in documents.ts needs the same step here for the events carrying it,
// e.g. `"thread.created": [(p) => ({ ...p, thread: step(p.thread) })]`.
const UPGRADES: { readonly [E in DurableEventName]?: readonly Upgrade[] } = {
  // Protocol 5: threads gained `responder`; protocol 8: its `agents` (thread-upgrades.ts).
  ...eachUpgradedBy<DurableEventName>(
    ["thread.created", "thread.renamed", "thread.archived", "thread.restored", "thread.updated"],
    THREAD_IN_UPGRADES,
  ),
  // Protocol 8: approvals gained `onBehalfOf` and `selfConfirmed` (approval-upgrades.ts).
  ...eachUpgradedBy<DurableEventName>(["approval.requested", "approval.resolved", "approval.updated"], [approvalIn]),
  // Protocol 12: schedules gained `lastRun` (schedule-upgrades.ts).
  "schedule.changed": [scheduleIn],
};

const codecs = Object.fromEntries(
  Object.entries(DurableEvents).map(([name, schema]) => [
    name,
    defineRecord(`event ${name}`, schema, UPGRADES[name as DurableEventName]),
  ]),
) as {
  [E in DurableEventName]: RecordCodec<EventPayload<E>>;
};

export function encodeEventPayload<E extends DurableEventName>(event: E, payload: EventPayload<E>): string {
  return codecs[event].encode(payload);
}

/** Throws a StoredRecordError for a payload it cannot read, or an event name it does not know. */
export function decodeEventPayload<E extends DurableEventName>(event: E, text: string): EventPayload<E> {
  const codec = Object.hasOwn(codecs, event) ? codecs[event] : undefined;
  if (!codec) {
    console.error(
      JSON.stringify({
        msg: "unreadable stored record",
        kind: `event ${event}`,
        storedVersion: null,
        reason: "unknown event",
      }),
    );
    throw new StoredRecordError(`event ${event}`, null, "unknown event");
  }
  return codec.decode(text);
}

/** A stored event row as the protocol's DurableEvent (its payload decoded and upgraded). */
export function decodeStoredEvent(row: { seq: number; event: DurableEventName; payload: string }): DurableEvent {
  // The codec is chosen by the row's own event name, so payload and name agree; TypeScript
  // cannot follow that correlation through a union-typed name.
  return { seq: row.seq, event: row.event, payload: decodeEventPayload(row.event, row.payload) } as DurableEvent;
}
