import { sql } from "drizzle-orm";
import type { UsageEntry } from "../../../shared/protocol/agent";
import type { BudgetScope as LedgerBudgetScope, LedgerEntry } from "../../../shared/protocol/billing";
import type { DurableEventName } from "../../../shared/protocol/events";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The Autopilot room's tables, the source drizzle-kit generates the room's migrations
 * from (party/domain/db/migrations/autopilot). Entities are stored as JSON documents
 * (`doc`, the exact wire shape plus its version: see party/records/codec.ts) plus the few
 * columns we filter or order by, so reads need no mapping and cannot drift from the
 * schema the client validates. The first migration is the schema the hand-written
 * migration array reached (legacy.ts), so rooms made before drizzle keep their tables.
 * long-file: one database's tables are one list: drizzle-kit and the migration tests read them from this module.
 */

export const roomMeta = sqliteTable("room_meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

export const events = sqliteTable("events", {
  seq: integer("seq").primaryKey(),
  event: text("event").$type<DurableEventName>().notNull(),
  payload: text("payload").notNull(),
  at: integer("at").notNull(),
});

export const threads = sqliteTable("threads", {
  id: text("id").primaryKey(),
  archived: integer("archived").notNull(),
  updatedAt: integer("updated_at").notNull(),
  doc: text("doc").notNull(),
});

export const messages = sqliteTable(
  "messages",
  {
    n: integer("n").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    threadId: text("thread_id").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [index("messages_thread").on(t.threadId, t.n)],
);

export const approvals = sqliteTable(
  "approvals",
  {
    id: text("id").primaryKey(),
    status: text("status").notNull(),
    expiresAt: integer("expires_at"),
    requestedAt: integer("requested_at").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [index("approvals_status").on(t.status, t.requestedAt)],
);

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    status: text("status").notNull(),
    updatedAt: integer("updated_at").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [index("jobs_status").on(t.status, t.updatedAt)],
);

export const audit = sqliteTable("audit", {
  n: integer("n").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull(),
  doc: text("doc").notNull(),
});

export const idempotency = sqliteTable(
  "idempotency",
  {
    principalId: text("principal_id").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    result: text("result").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.key] }), index("idempotency_at").on(t.at)],
);

export const instances = sqliteTable("instances", {
  id: text("id").primaryKey(),
  status: text("status").notNull(),
  createdAt: integer("created_at").notNull(),
  doc: text("doc").notNull(),
});

// The OpenClaw bridge: device identity per instance, which thread is which gateway
// session (+ its history cursor), messages waiting to reach the gateway, what was already
// imported from it (dedupe across live events and catch-up), the live session list, and
// which room approval stands for which gateway request.
export const gatewayDevices = sqliteTable("gateway_devices", {
  instanceId: text("instance_id").primaryKey(),
  doc: text("doc").notNull(),
});

export const gatewayThreads = sqliteTable(
  "gateway_threads",
  {
    threadId: text("thread_id").primaryKey(),
    instanceId: text("instance_id").notNull(),
    sessionKey: text("session_key").notNull(),
    cursor: text("cursor"),
  },
  (t) => [index("gateway_threads_session").on(t.instanceId, t.sessionKey)],
);

export const gatewayOutbox = sqliteTable(
  "gateway_outbox",
  {
    messageId: text("message_id").primaryKey(),
    threadId: text("thread_id").notNull(),
    instanceId: text("instance_id").notNull(),
    sessionKey: text("session_key").notNull(),
    text: text("text").notNull(),
    /** The message's files as a JSON array of ids (null: none): their bytes are read from R2 when it is sent. */
    fileIds: text("file_ids"),
    state: text("state").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("gateway_outbox_state").on(t.instanceId, t.state, t.createdAt)],
);

export const gatewayImports = sqliteTable(
  "gateway_imports",
  {
    instanceId: text("instance_id").notNull(),
    key: text("key").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.key] })],
);

export const gatewaySessions = sqliteTable(
  "gateway_sessions",
  {
    instanceId: text("instance_id").notNull(),
    key: text("key").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.key] })],
);

export const gatewayApprovals = sqliteTable(
  "gateway_approvals",
  {
    instanceId: text("instance_id").notNull(),
    requestId: text("request_id").notNull(),
    approvalId: text("approval_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.requestId] })],
);

export type RunStatus = "queued" | "streaming" | "awaiting_approval" | "finished" | "failed" | "aborted";

// The Autopilot's own agent: its runs (one per triggering message; the model messages of
// a paused run live in `doc` until a person decides), the tool calls they made, the
// workspace memory, each thread's rolling summary, and one usage row per model call. At
// most one run per thread is active (streaming or waiting for approval).
export const agentRuns = sqliteTable(
  "agent_runs",
  {
    id: text("id").primaryKey(),
    threadId: text("thread_id").notNull(),
    triggerMessageId: text("trigger_message_id").notNull().unique(),
    status: text("status").$type<RunStatus>().notNull(),
    segment: integer("segment").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [
    uniqueIndex("agent_runs_active").on(t.threadId).where(sql`status in ('streaming', 'awaiting_approval')`),
    index("agent_runs_status").on(t.status, t.createdAt),
  ],
);

export const agentToolCalls = sqliteTable(
  "agent_tool_calls",
  {
    runId: text("run_id").notNull(),
    toolCallId: text("tool_call_id").notNull(),
    name: text("name").notNull(),
    status: text("status").notNull(),
    messageId: text("message_id"),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.toolCallId] })],
);

export const threadSummaries = sqliteTable("thread_summaries", {
  threadId: text("thread_id").primaryKey(),
  throughN: integer("through_n").notNull(),
  text: text("text").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const memory = sqliteTable("memory", {
  key: text("key").primaryKey(),
  updatedAt: integer("updated_at").notNull(),
  doc: text("doc").notNull(),
});

export const usage = sqliteTable(
  "usage",
  {
    n: integer("n").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    threadId: text("thread_id"),
    runId: text("run_id"),
    principalId: text("principal_id"),
    purpose: text("purpose").$type<UsageEntry["purpose"]>().notNull(),
    model: text("model").notNull(),
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    durationMs: integer("duration_ms").notNull(),
    ok: integer("ok").notNull(),
  },
  (t) => [
    index("usage_at").on(t.at),
    index("usage_thread").on(t.threadId, t.at),
    index("usage_principal").on(t.principalId, t.at),
  ],
);

// The Autopilot's calls to an OpenClaw gateway's tools, recorded before they are sent:
// the gateway does not dedupe them, so a call started and never finished is not sent again.
export const agentGatewayInvokes = sqliteTable(
  "agent_gateway_invokes",
  {
    runId: text("run_id").notNull(),
    toolCallId: text("tool_call_id").notNull(),
    instanceId: text("instance_id").notNull(),
    tool: text("tool").notNull(),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
    ok: integer("ok"),
    result: text("result"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.toolCallId] })],
);

// instances.startChat: the open starts, one per thread, until the first message is queued
// for the ready gateway or the start failed.
export const chatStarts = sqliteTable("chat_starts", {
  threadId: text("thread_id").primaryKey(),
  approvalId: text("approval_id").notNull().unique(),
  instanceId: text("instance_id").notNull(),
  messageId: text("message_id").notNull(),
  createdAt: integer("created_at").notNull(),
});

// Linked gateways (instances.link): address and token, server-side only. `linked` is 0
// while the approval is pending (the row then dies with a denial or expiry).
export const gatewayLinks = sqliteTable("gateway_links", {
  instanceId: text("instance_id").primaryKey(),
  approvalId: text("approval_id").notNull().unique(),
  url: text("url").notNull(),
  token: text("token").notNull(),
  linked: integer("linked").notNull(),
  createdAt: integer("created_at").notNull(),
});

// Channel changes waiting for a person (party/rooms/autopilot/features/instances/channels/): what the approved operation sets,
// server-side only. `secret` holds a bot token (JSON) until the operation applied it or the
// approval was denied or expired; the row then goes. Never in an approval, event or log.
export const channelRequests = sqliteTable("channel_requests", {
  approvalId: text("approval_id").primaryKey(),
  instanceId: text("instance_id").notNull(),
  channel: text("channel").notNull(),
  accountId: text("account_id").notNull(),
  secret: text("secret"),
  access: text("access"),
  createdAt: integer("created_at").notNull(),
});

// The approvals an Autopilot run filed with an approval-method tool (instances.*): the
// room acts on them for the run's trigger, whose access is checked again when one is decided.
export const agentRunApprovals = sqliteTable(
  "agent_run_approvals",
  {
    approvalId: text("approval_id").primaryKey(),
    runId: text("run_id").notNull(),
  },
  (t) => [index("agent_run_approvals_run").on(t.runId)],
);

// What a gated MCP call's approval authorises: its filer's call, method, digest of arguments.
export const approvalGates = sqliteTable(
  "approval_gates",
  {
    approvalId: text("approval_id").primaryKey(),
    filerId: text("filer_id").notNull(),
    method: text("method").notNull(),
    argsDigest: text("args_digest").notNull(),
    callId: text("call_id").notNull(),
    createdAt: integer("created_at").notNull(),
    /** When the call ran on the approval (claimApprovedCall): an approval stands for one run, null until then. */
    usedAt: integer("used_at"),
  },
  (t) => [uniqueIndex("approval_gates_call").on(t.filerId, t.callId)],
);

// The inbox (party/rooms/autopilot/features/inbox/): the people who opened the workspace (their
// preferences, and the app's origin their mail links to), what each has read and been
// mailed, and which threads each follows. Items themselves are derived, never stored.
export const inboxPeople = sqliteTable("inbox_people", {
  principalId: text("principal_id").primaryKey(),
  name: text("name").notNull(),
  origin: text("origin").notNull(),
  seenAt: integer("seen_at").notNull(),
  /** Versioned preferences (party/records), null until the person sets them. */
  preferences: text("preferences"),
});

export const inboxReads = sqliteTable(
  "inbox_reads",
  {
    principalId: text("principal_id").notNull(),
    itemKey: text("item_key").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.itemKey] })],
);

export const inboxMailed = sqliteTable(
  "inbox_mailed",
  {
    principalId: text("principal_id").notNull(),
    itemKey: text("item_key").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.itemKey] })],
);

// Mentions noted when the message is written, for the people the room knows then: an
// inbox reads its own rows instead of searching every message. A row is one inbox item: the
// mentions one author makes of one person within MENTION_FOLD_MS of the first fold into it
// (store.ts), so a flood of them is one item and cannot push the others out.
export const inboxMentions = sqliteTable(
  "inbox_mentions",
  {
    principalId: text("principal_id").notNull(),
    /** The first mention of the fold: the item's key. */
    messageId: text("message_id").notNull(),
    /** When the newest mention of the fold was written. */
    at: integer("at").notNull(),
    /** Null on rows noted before mentions folded: those fold nothing. */
    authorId: text("author_id"),
    /** When the first was written (null: `at`). */
    firstAt: integer("first_at"),
    count: integer("count").notNull().default(1),
    /** The newest mention of the fold (null: the first). */
    lastMessageId: text("last_message_id"),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.messageId] }), index("inbox_mentions_at").on(t.principalId, t.at)],
);

/**
 * Posts in the workspace's community that name a person (a `p` tag of theirs or `@Name`),
 * noted when the relay tells the room of them (features/community/): the inbox shows them as
 * mentions. What it shows is kept here, so the inbox needs no relay round trip.
 */
export const communityMentions = sqliteTable(
  "community_mentions",
  {
    principalId: text("principal_id").notNull(),
    eventId: text("event_id").notNull(),
    at: integer("at").notNull(),
    /** Who wrote it, in one line ("release-bot, agent of Acme, owned by Alice"). */
    author: text("author").notNull(),
    /** The author's principal id, when the server knows one: nobody is told of their own post. */
    authorId: text("author_id"),
    /** What folds one author's posts (inbox_mentions): their principal id, else their pubkey; null on older rows. */
    authorKey: text("author_key"),
    /** The newest post's text (a fold shows its newest). */
    text: text("text").notNull(),
    /** When the first post of the fold was written (null: `at`, the newest's). */
    firstAt: integer("first_at"),
    count: integer("count").notNull().default(1),
    /** The newest post of the fold (null: the first, `event_id`, the item's key). */
    lastEventId: text("last_event_id"),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.eventId] }), index("community_mentions_at").on(t.principalId, t.at)],
);

export const inboxFollows = sqliteTable(
  "inbox_follows",
  {
    principalId: text("principal_id").notNull(),
    threadId: text("thread_id").notNull(),
    /** 0: unfollowed on purpose (writing in the thread again does not follow it again). */
    following: integer("following").notNull(),
    at: integer("at").notNull(),
    /** When the person last wrote in the thread: a thread with nothing newer has no replies for them. */
    wroteAt: integer("wrote_at"),
  },
  (t) => [
    primaryKey({ columns: [t.principalId, t.threadId] }),
    index("inbox_follows_thread").on(t.threadId, t.following),
  ],
);

// Web Push (inbox/push.ts): the browsers each person subscribed (at most
// MAX_PUSH_SUBSCRIPTIONS each), and the items already pushed to them or shown live in an
// open tab, so an item reaches a person's closed browser at most once.
export const inboxPushSubscriptions = sqliteTable(
  "inbox_push_subscriptions",
  {
    principalId: text("principal_id").notNull(),
    endpoint: text("endpoint").notNull(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.endpoint] })],
);

export const inboxPushed = sqliteTable(
  "inbox_pushed",
  {
    principalId: text("principal_id").notNull(),
    itemKey: text("item_key").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.itemKey] })],
);

// Read state (docs/inbox.md, "Read state"): per principal (a person or an agent key) and
// thread, the newest message read (`through_n`, a message's room-wide ordinal) and how many of
// the thread's messages that covers, so any device shows the same unread counts. A marker only
// moves forward; each principal keeps its newest MAX_THREAD_READS.
export const threadReads = sqliteTable(
  "thread_reads",
  {
    principalId: text("principal_id").notNull(),
    threadId: text("thread_id").notNull(),
    throughN: integer("through_n").notNull(),
    count: integer("count").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.threadId] }), index("thread_reads_at").on(t.principalId, t.at)],
);

// Files in threads (party/files/): what the Worker stored in R2 under `<workspaceId>/<id>`.
// `message_id` is null until a message carries the file; one never attached is swept.
export const files = sqliteTable(
  "files",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    type: text("type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    /** The principal that uploaded it: only they may attach it. */
    uploadedBy: text("uploaded_by").notNull(),
    createdAt: integer("created_at").notNull(),
    messageId: text("message_id"),
  },
  (t) => [index("files_unattached").on(t.messageId, t.createdAt)],
);

// Work that runs for minutes or days (features/projects, features/tasks, features/schedules).
// A project holds context the Autopilot reads (brief, links, files) and groups threads,
// tasks and instances. A task is a goal the Autopilot pursues step by step: its checkpoint
// (the model messages so far, the step in flight) lives in `doc`, so a restart resumes it
// at the step it was on. A schedule starts a task or posts a prompt at its times; each
// occurrence it claims is a firing row first (due → done), so an occurrence is acted on
// exactly once however often the room restarts in between.
export const projects = sqliteTable(
  "projects",
  {
    id: text("id").primaryKey(),
    archived: integer("archived").notNull(),
    updatedAt: integer("updated_at").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [index("projects_updated").on(t.archived, t.updatedAt)],
);

export const tasks = sqliteTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    status: text("status").notNull(),
    projectId: text("project_id"),
    threadId: text("thread_id").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [
    index("tasks_status").on(t.status, t.updatedAt),
    index("tasks_project").on(t.projectId, t.createdAt),
    index("tasks_thread").on(t.threadId),
  ],
);

export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    status: text("status").notNull(),
    /** The next occurrence (ms), null when there is none (paused, or a one-off that fired). */
    nextRunAt: integer("next_run_at"),
    createdAt: integer("created_at").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [index("schedules_next").on(t.status, t.nextRunAt)],
);

/**
 * A schedule's webhook (features/schedules/hooks.ts): the SHA-256 of its URL's token, never
 * the token; one per schedule, replaced when a new URL is asked for.
 */
export const scheduleHooks = sqliteTable("schedule_hooks", {
  scheduleId: text("schedule_id").primaryKey(),
  tokenHash: text("token_hash").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const scheduleFirings = sqliteTable(
  "schedule_firings",
  {
    scheduleId: text("schedule_id").notNull(),
    /** The occurrence's time (ms): one row per occurrence, so claiming one twice is a conflict. */
    occurrenceAt: integer("occurrence_at").notNull(),
    status: text("status").notNull(),
    at: integer("at").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scheduleId, t.occurrenceAt] }), index("schedule_firings_status").on(t.status)],
);

// The run log: every run of the Autopilot's agent and every task, step by step (model
// calls, tool calls, approvals, errors), by the run's id (a task's id for a task).
export const runLog = sqliteTable(
  "run_log",
  {
    runId: text("run_id").notNull(),
    seq: integer("seq").notNull(),
    at: integer("at").notNull(),
    kind: text("kind").notNull(),
    doc: text("doc").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] }), index("run_log_at").on(t.at)],
);

// The workspace's money (protocol 10, features/billing/billing.ts): one row per thing credited or paid
// for, by an id unique to it (a model call's usage row, a Stripe event, an operator's grant,
// a period's plan credits), so the same one twice is one entry. Credits are whole numbers;
// usage is negative. The balance is the sum.
export const ledger = sqliteTable(
  "ledger",
  {
    n: integer("n").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    at: integer("at").notNull(),
    kind: text("kind").$type<LedgerEntry["kind"]>().notNull(),
    amount: integer("amount").notNull(),
    purpose: text("purpose").$type<NonNullable<LedgerEntry["purpose"]>>(),
    principalId: text("principal_id"),
    runId: text("run_id"),
    threadId: text("thread_id"),
    projectId: text("project_id"),
    taskId: text("task_id"),
    instanceId: text("instance_id"),
    model: text("model"),
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    seconds: integer("seconds"),
    note: text("note"),
  },
  (t) => [
    uniqueIndex("ledger_id").on(t.id),
    index("ledger_kind_at").on(t.kind, t.at),
    index("ledger_principal").on(t.principalId, t.at),
    index("ledger_project").on(t.projectId, t.at),
    index("ledger_task").on(t.taskId),
    index("ledger_run").on(t.runId),
  ],
);

// Budgets people set: per scope and subject ("" for the workspace's own).
export const budgets = sqliteTable(
  "budgets",
  {
    scope: text("scope").$type<LedgerBudgetScope>().notNull(),
    subjectId: text("subject_id").notNull(),
    limit: integer("limit").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.subjectId] })],
);

// What approved spend approvals added to a budget: one row per approval, written in the
// commit that reacts to its decision (so a decision raises once, however often it is seen).
export const budgetRaises = sqliteTable(
  "budget_raises",
  {
    approvalId: text("approval_id").primaryKey(),
    scope: text("scope").$type<LedgerBudgetScope>().notNull(),
    subjectId: text("subject_id").notNull(),
    amount: integer("amount").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("budget_raises_subject").on(t.scope, t.subjectId, t.at)],
);

// Billing's own small facts by key: the workspace's plan, and the meters' watermarks (the
// gateway usage counters last billed per instance, an instance's time billed up to).
export const billingMeta = sqliteTable("billing_meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

// The ledger's running sums, kept in the transaction of every entry (appendLedger is the
// ledger's only writer): the balance, and what each budget's subject spent per month (a
// task's in total), so a check before a model call reads a row instead of summing the ledger.
export const ledgerTotals = sqliteTable("ledger_totals", {
  key: text("key").primaryKey(),
  amount: integer("amount").notNull(),
});

// Small documents a feature keeps by key without a table of its own (kernel/feature-store.ts):
// a record kind per store, each document versioned and validated like the room's entities.
export const featureRecords = sqliteTable(
  "feature_records",
  {
    kind: text("kind").notNull(),
    key: text("key").notNull(),
    doc: text("doc").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.key] })],
);
