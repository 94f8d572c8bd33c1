import { isMethodName, type MethodName, Methods } from "../../shared/protocol/methods";
import { defineRecord, eachUpgradedBy, type RecordCodec, StoredRecordError, type Upgrade } from "./codec";
import { approvalIn } from "./approval-upgrades";
import { preferencesIn } from "./inbox-upgrades";
import { scheduleIn } from "./schedule-upgrades";
import { THREAD_IN_UPGRADES, threadAgentsIn, threadDetachedIn } from "./thread-upgrades";

// Recorded results of mutating methods (the idempotency table, kept 24 h): a repeated
// request is answered with the stored result, so it must still match the method's result
// schema after a change. Each method is its own record kind.
const UPGRADES: { readonly [M in MethodName]?: readonly Upgrade[] } = {
  // Protocol 5: threads gained `responder`; protocol 8: its `agents` (thread-upgrades.ts).
  ...eachUpgradedBy<MethodName>(
    ["threads.create", "threads.rename", "threads.archive", "sessions.open", "sessions.send"],
    THREAD_IN_UPGRADES,
  ),
  // Recorded since protocol 5 or 7 with a responder, so only protocol 8's steps.
  "threads.configure": [threadAgentsIn, threadDetachedIn],
  // Protocol 8: approvals gained `onBehalfOf` and `selfConfirmed` (approval-upgrades.ts).
  ...eachUpgradedBy<MethodName>(
    [
      "approvals.request",
      "approvals.resolve",
      "instances.provision",
      "instances.restart",
      "instances.backup",
      "instances.delete",
      "instances.restore",
      "instances.unpair",
      "instances.link",
    ],
    [approvalIn],
  ),
  // Its result carries the approval and the thread: both steps, in the order they came.
  "instances.startChat": [approvalIn, threadAgentsIn, threadDetachedIn],
  // Inbox preferences gained a `push` channel (inbox-upgrades.ts).
  "inbox.configure": [preferencesIn],
  // Protocol 12: schedules gained `lastRun` (schedule-upgrades.ts).
  "schedules.create": [scheduleIn],
  "schedules.pause": [scheduleIn],
  "schedules.resume": [scheduleIn],
};

const codecs = new Map<string, RecordCodec<unknown>>(
  Object.entries(Methods).map(([name, spec]) => [
    name,
    defineRecord(`result of ${name}`, spec.result, UPGRADES[name as MethodName]) as RecordCodec<unknown>,
  ]),
);

export function encodeResult(method: string, result: unknown): string {
  const codec = codecs.get(method);
  if (!codec) throw new Error(`no result record for ${method}: not a method`);
  return codec.encode(result);
}

/** Throws a StoredRecordError for a result it cannot read (the request then fails; it is never run twice). */
export function decodeResult(method: string, text: string): unknown {
  const codec = isMethodName(method) ? codecs.get(method) : undefined;
  if (!codec) {
    console.error(
      JSON.stringify({
        msg: "unreadable stored record",
        kind: `result of ${method}`,
        storedVersion: null,
        reason: "unknown method",
      }),
    );
    throw new StoredRecordError(`result of ${method}`, null, "unknown method");
  }
  return codec.decode(text);
}
