import { BillingChangedPayload } from "./billing";
import { TracesChangedPayload } from "./traces";
import { InstanceWhatsAppLoginPayload } from "./channels";
import { ThreadPinsPayload } from "./pins";
import { ChatsChangedPayload } from "./chats";
import { ThreadReadPayload } from "./reads";
import { ThreadBumpPayload } from "./interest";
import type { z } from "zod";
import { MemoryDeletedPayload, MemoryUpdatedPayload } from "./agent";
import { CommunityEventPayload } from "./community";
import { PrincipalUpdatedPayload, AccessChangedPayload } from "./access";
import { ApprovalEventPayload } from "./approvals";
import { ChatDeltaEventPayload, ChatErrorPayload, ChatFinalPayload, SessionsChangedPayload } from "./gateway";
import { HelloPayload } from "./hello";
import { InboxUpdatedPayload } from "./inbox";
import { InstanceDeletedPayload, InstanceDevicesPayload, InstanceEventPayload } from "./instances";
import { type Job, JobCancelRequestedPayload, JobEventPayload, JobProgressedPayload } from "./jobs";
import { ProjectChangedPayload } from "./projects";
import {
  PresenceDiffPayload,
  PresenceJoinedPayload,
  PresenceLeftPayload,
  PresenceOwnPayload,
  PresenceSummaryPayload,
  PresenceUpdatedPayload,
} from "./presence";
import { ScheduleChangedPayload, ScheduleDeletedPayload } from "./schedules";
import { SettingsChangedPayload } from "./settings";
import { RunLogAppendedPayload, type Task, TaskEventPayload } from "./tasks";
import { MessageCreatedPayload, type MessageLive, ThreadEventPayload } from "./threads";

/** Durable events: written to the room's log with a `seq` in the same transaction as the change. */
export const DurableEvents = {
  "thread.created": ThreadEventPayload,
  "thread.renamed": ThreadEventPayload,
  "thread.archived": ThreadEventPayload,
  "thread.restored": ThreadEventPayload,
  /** Protocol 4: any other change, e.g. the thread was bound to a gateway session. */
  "thread.updated": ThreadEventPayload,
  "message.created": MessageCreatedPayload,
  "approval.requested": ApprovalEventPayload,
  "approval.resolved": ApprovalEventPayload,
  /** Protocol 15: a pending approval changed (more work waits on a spend approval). */
  "approval.updated": ApprovalEventPayload,
  "job.started": JobEventPayload,
  /** Protocol 19 `jobs.progress`: only what the report changed, for a socket that asked. */
  "job.progressed": JobProgressedPayload,
  "job.cancel_requested": JobCancelRequestedPayload,
  "job.finished": JobEventPayload,
  "instance.updated": InstanceEventPayload,
  "instance.deleted": InstanceDeletedPayload,
  /** Protocol 5: the workspace memory the Autopilot and people keep. */
  "memory.updated": MemoryUpdatedPayload,
  "memory.deleted": MemoryDeletedPayload,
  /** Protocol 8: the workspace's settings (who decides approvals, how long they wait). */
  "settings.changed": SettingsChangedPayload,
  /** Protocol 9: a project was created or changed (projects.ts). */
  "project.changed": ProjectChangedPayload,
  /** Protocol 9: a task was started or changed (tasks.ts). */
  "task.changed": TaskEventPayload,
  /** Protocol 9: a schedule was created or changed (its status, next run, last outcome), or deleted (schedules.ts). */
  "schedule.changed": ScheduleChangedPayload,
  "schedule.deleted": ScheduleDeletedPayload,
} as const;

/** Ephemeral events: broadcast without a `seq`, never replayed. */
export const EphemeralEvents = {
  hello: HelloPayload,
  "presence.joined": PresenceJoinedPayload,
  "presence.updated": PresenceUpdatedPayload,
  "presence.left": PresenceLeftPayload,
  /** Protocol 6 to 16: joins, changes and leaves of every socket. A room of 17 sends it only to clients of 16 and older. */
  "presence.diff": PresenceDiffPayload,
  /** Protocol 17: the presence summary's counts and people shown (presence.ts), to everyone. */
  "presence.summary": PresenceSummaryPayload,
  /** Protocol 17: how many sockets this principal has open; to their own sockets only. */
  "presence.own": PresenceOwnPayload,
  "chat.delta": ChatDeltaEventPayload,
  "chat.final": ChatFinalPayload,
  "chat.error": ChatErrorPayload,
  /** Protocol 18: a thread this socket does not view changed (interest.ts); coalesced. */
  "thread.bump": ThreadBumpPayload,
  "sessions.changed": SessionsChangedPayload,
  /** Protocol 6: this socket's role or scopes changed (see access.ts). */
  "principal.updated": PrincipalUpdatedPayload,
  /** Protocol 8: this person's inbox changed (inbox.ts); sent to their own sockets only. */
  "inbox.updated": InboxUpdatedPayload,
  /** Protocol 10: news of a community (community.ts): a post, a reaction, what was removed; to sockets that may read. */
  "community.event": CommunityEventPayload,
  /** Protocol 8: an instance's devices or nodes changed on its gateway (instances.details has them). */
  "instance.devices": InstanceDevicesPayload,
  /**
   * Capability `instances.whatsapp-live` (channels.ts): where an instance's WhatsApp link stands,
   * each time it changes; its QR only to people who may link it.
   */
  "instance.whatsAppLogin": InstanceWhatsAppLoginPayload,
  /** Protocol 9: a run's log grew (tasks.ts); `runlog.list` reads what a client missed. */
  "runlog.appended": RunLogAppendedPayload,
  /** Protocol 10: the workspace's money changed (billing.ts); the whole state, to replace the client's. */
  "billing.changed": BillingChangedPayload,
  /** Protocol 10: one of this principal's read markers moved (reads.ts); sent to their own sockets only. */
  "thread.read": ThreadReadPayload,
  /** Protocol 11: this principal's pinned threads changed (pins.ts); sent to their own sockets only. */
  "thread.pins": ThreadPinsPayload,
  /** Protocol 13: the workspace's chats as they stand for this principal (chats.ts); sent to their own sockets only. */
  "chats.changed": ChatsChangedPayload,
  /** Protocol 12: access in the workspace changed (access.ts): member, key and invitation lists are stale. */
  "access.changed": AccessChangedPayload,
  /**
   * Capability `traces.live` (traces.ts): how the export of the runs' traces stands, each time it
   * changes (at most once a second, the newest); to owners' and admins' sockets only.
   */
  "traces.changed": TracesChangedPayload,
} as const;

export const Events = { ...DurableEvents, ...EphemeralEvents } as const;

export type DurableEventName = keyof typeof DurableEvents;
export type EphemeralEventName = keyof typeof EphemeralEvents;
export type EventName = keyof typeof Events;
export type EventPayload<E extends EventName> = z.output<(typeof Events)[E]>;

/** The events whose payload the room writes whole and sends a socket that asked less of live. */
interface WrittenPayloads {
  "message.created": { message: z.output<typeof MessageLive> };
  "task.changed": { task: Task };
  "job.progressed": { job: Job };
}
/**
 * An event's payload as the room writes it (its log, its replays, its features' reactions):
 * whole, where capabilities send a socket that asked less live (`Capability.written`).
 */
export type WrittenPayload<E extends EventName> = E extends keyof WrittenPayloads
  ? WrittenPayloads[E]
  : EventPayload<E>;

/**
 * A durable event as the room stores and replays it. Without a name it is the union of
 * every durable event, discriminated by `event`: a switch on it narrows the payload.
 */
export type DurableEvent<E extends DurableEventName = DurableEventName> = {
  [K in E]: { seq: number; event: K; payload: EventPayload<K> };
}[E];
