import type { z } from "zod";
import {
  ChatGoAheadParams,
  ChatGoAheadResult,
  MemoryDeleteParams,
  MemoryDeleteResult,
  MemoryListParams,
  MemoryListResult,
  MemoryPutParams,
  MemoryPutResult,
  ThreadsConfigureParams,
  UsageListParams,
  UsageListResult,
} from "./agent";
import {
  ApprovalResult,
  ApprovalsGetParams,
  ApprovalsListParams,
  ApprovalsListResult,
  ApprovalsRequestParams,
  ApprovalsResolveParams,
} from "./approvals";
import { AuditListParams, AuditListResult } from "./audit";
import {
  CommunityFeedParams,
  CommunityFeedResult,
  CommunityIdentityParams,
  CommunityIdentityResult,
  CommunityModerateParams,
  CommunityModerateResult,
  CommunityPostParams,
  CommunityPostResult,
  CommunityQueueParams,
  CommunityQueueResult,
  CommunityReactParams,
  CommunityReactResult,
  CommunityReportParams,
  CommunityReportResult,
} from "./community";
import { ThreadsMarkReadParams, ThreadsMarkReadResult } from "./reads";
import { ThreadsPinParams, ThreadsPinResult, ThreadsPinsParams, ThreadsPinsResult } from "./pins";
import {
  BillingEntriesParams,
  BillingEntriesResult,
  BillingSetBudgetParams,
  BillingSetBudgetResult,
  BillingSummaryParams,
  BillingSummaryResult,
} from "./billing";
import {
  InstancesChannelsParams,
  InstancesChannelsResult,
  InstancesConfigureChannelParams,
  InstancesDisconnectChannelParams,
  InstancesSetChannelAccessParams,
} from "./channels";
import { InstancesStartChatParams, InstancesStartChatResult } from "./chat-start";
import {
  ChatAbortParams,
  ChatAbortResult,
  SessionsHistoryParams,
  SessionsHistoryResult,
  SessionsListParams,
  SessionsListResult,
  SessionsOpenParams,
  SessionsSendParams,
} from "./gateway";
import { GraphApplyParams, GraphApplyResult } from "./graph";
import { AgentToolsetParams, AgentToolsetResult } from "./toolset";
import {
  InstanceOperationParams,
  InstanceResult,
  InstancesAttachParams,
  InstancesDetailsParams,
  InstancesDeviceSetupParams,
  InstancesInvokeNodeParams,
  InstancesInvokeNodeResult,
  InstancesDeviceSetupResult,
  InstancesDetailsResult,
  InstancesListParams,
  InstancesListResult,
  InstancesProvisionParams,
  InstancesRestoreParams,
  InstancesUnpairParams,
} from "./instances";
import { InstancesLinkParams } from "./instance-links";
import {
  InboxConfigureParams,
  InboxConfigureResult,
  InboxFollowParams,
  InboxFollowResult,
  InboxGetParams,
  InboxGetResult,
  InboxMarkReadParams,
  InboxMarkReadResult,
  InboxPushSubscribeParams,
  InboxPushSubscribeResult,
  InboxPushUnsubscribeParams,
  InboxPushUnsubscribeResult,
} from "./inbox";
import {
  JobResult,
  JobsCancelParams,
  JobsFailParams,
  JobsFinishParams,
  JobsListParams,
  JobsListResult,
  JobsStartParams,
  JobsUpdateParams,
} from "./jobs";
import {
  ProjectResult,
  ProjectsArchiveParams,
  ProjectsCreateParams,
  ProjectsGetParams,
  ProjectsListParams,
  ProjectsListResult,
  ProjectsUpdateParams,
} from "./projects";
import { PresenceListParams, PresenceListResult, PresenceUpdateParams, PresenceUpdateResult } from "./presence";
import type { Scope } from "./principal";
import {
  ScheduleControlParams,
  ScheduleResult,
  SchedulesCreateParams,
  SchedulesDeleteResult,
  SchedulesListParams,
  SchedulesListResult,
  SchedulesHookParams,
  SchedulesHookResult,
  SchedulesRunResult,
  SchedulesRunsParams,
  SchedulesRunsResult,
  SchedulesUpdateParams,
} from "./schedules";
import {
  RunLogListParams,
  RunLogListResult,
  TaskControlParams,
  TaskResult,
  TasksGetParams,
  TasksListParams,
  TasksListResult,
  TasksStartParams,
} from "./tasks";
import { SearchQueryParams, SearchQueryResult } from "./search";
import { SettingsResult, SettingsUpdateParams } from "./settings";
import {
  ChatSendParams,
  ChatSendResult,
  SessionsSendResult,
  MessagesListParams,
  MessagesListResult,
  ThreadResult,
  ThreadsArchiveParams,
  ThreadsCreateParams,
  ThreadsListParams,
  ThreadsListResult,
  ThreadsRenameParams,
} from "./threads";

interface MethodSpec<P extends z.ZodType, R extends z.ZodType> {
  params: P;
  result: R;
  /** The scope a principal must hold; checked before params are even parsed. */
  scope: Scope;
  /** Mutating methods require an idempotencyKey and are de-duplicated by it. */
  mutating: boolean;
}

function method<P extends z.ZodType, R extends z.ZodType>(spec: MethodSpec<P, R>): MethodSpec<P, R> {
  return spec;
}

export const Methods = {
  "threads.create": method({ params: ThreadsCreateParams, result: ThreadResult, scope: "write", mutating: true }),
  "threads.rename": method({ params: ThreadsRenameParams, result: ThreadResult, scope: "write", mutating: true }),
  "threads.archive": method({ params: ThreadsArchiveParams, result: ThreadResult, scope: "write", mutating: true }),
  // Who answers the thread (protocol 5).
  "threads.configure": method({ params: ThreadsConfigureParams, result: ThreadResult, scope: "write", mutating: true }),
  "threads.list": method({ params: ThreadsListParams, result: ThreadsListResult, scope: "read", mutating: false }),
  "messages.list": method({ params: MessagesListParams, result: MessagesListResult, scope: "read", mutating: false }),
  "chat.send": method({ params: ChatSendParams, result: ChatSendResult, scope: "write", mutating: true }),
  // Stops the thread's running gateway reply; a repeat answers with the first result.
  "chat.abort": method({ params: ChatAbortParams, result: ChatAbortResult, scope: "write", mutating: true }),
  // Protocol 8: the Autopilot's run waiting for approvals goes on without them (agent.ts).
  "chat.goAhead": method({ params: ChatGoAheadParams, result: ChatGoAheadResult, scope: "write", mutating: true }),
  "sessions.list": method({ params: SessionsListParams, result: SessionsListResult, scope: "read", mutating: false }),
  "sessions.open": method({ params: SessionsOpenParams, result: ThreadResult, scope: "write", mutating: true }),
  "sessions.history": method({
    params: SessionsHistoryParams,
    result: SessionsHistoryResult,
    scope: "read",
    mutating: false,
  }),
  "sessions.send": method({ params: SessionsSendParams, result: SessionsSendResult, scope: "write", mutating: true }),
  "approvals.request": method({
    params: ApprovalsRequestParams,
    result: ApprovalResult,
    scope: "write",
    mutating: true,
  }),
  "approvals.resolve": method({
    params: ApprovalsResolveParams,
    result: ApprovalResult,
    scope: "approve",
    mutating: true,
  }),
  "approvals.list": method({
    params: ApprovalsListParams,
    result: ApprovalsListResult,
    scope: "read",
    mutating: false,
  }),
  "approvals.get": method({ params: ApprovalsGetParams, result: ApprovalResult, scope: "read", mutating: false }),
  "audit.list": method({ params: AuditListParams, result: AuditListResult, scope: "read", mutating: false }),
  "jobs.start": method({ params: JobsStartParams, result: JobResult, scope: "write", mutating: true }),
  "jobs.update": method({ params: JobsUpdateParams, result: JobResult, scope: "write", mutating: true }),
  "jobs.finish": method({ params: JobsFinishParams, result: JobResult, scope: "write", mutating: true }),
  "jobs.fail": method({ params: JobsFailParams, result: JobResult, scope: "write", mutating: true }),
  "jobs.cancel": method({ params: JobsCancelParams, result: JobResult, scope: "write", mutating: true }),
  "jobs.list": method({ params: JobsListParams, result: JobsListResult, scope: "read", mutating: false }),
  // Gated: each answers with the approval a person must decide; the operation runs then.
  "instances.provision": method({
    params: InstancesProvisionParams,
    result: ApprovalResult,
    scope: "write",
    mutating: true,
  }),
  "instances.restart": method({
    params: InstanceOperationParams,
    result: ApprovalResult,
    scope: "write",
    mutating: true,
  }),
  "instances.backup": method({
    params: InstanceOperationParams,
    result: ApprovalResult,
    scope: "write",
    mutating: true,
  }),
  "instances.delete": method({
    params: InstanceOperationParams,
    result: ApprovalResult,
    scope: "write",
    mutating: true,
  }),
  // Protocol 6: restore a chosen backup (gated), and what the runtime and gateway report.
  "instances.restore": method({
    params: InstancesRestoreParams,
    result: ApprovalResult,
    scope: "write",
    mutating: true,
  }),
  "instances.unpair": method({ params: InstancesUnpairParams, result: ApprovalResult, scope: "write", mutating: true }),
  // Protocol 7: one approval from a first message to a running chat (chat-start.ts).
  "instances.startChat": method({
    params: InstancesStartChatParams,
    result: InstancesStartChatResult,
    scope: "write",
    mutating: true,
  }),
  // Protocol 7: a gateway its users run elsewhere (gated); the token stays in the room.
  "instances.link": method({ params: InstancesLinkParams, result: ApprovalResult, scope: "write", mutating: true }),
  "instances.details": method({
    params: InstancesDetailsParams,
    result: InstancesDetailsResult,
    scope: "read",
    mutating: false,
  }),
  // Protocol 8: a device's or node's setup code (admin; a node's request still waits for a person).
  "instances.deviceSetup": method({
    params: InstancesDeviceSetupParams,
    result: InstancesDeviceSetupResult,
    scope: "admin",
    mutating: false,
  }),
  // Protocol 8: a command on a paired node: people only; the Autopilot's model after an approval.
  "instances.invokeNode": method({
    params: InstancesInvokeNodeParams,
    result: InstancesInvokeNodeResult,
    scope: "write",
    mutating: true,
  }),
  // Protocol 8: an instance's channels through its gateway; each change is gated, a token stays in the room.
  "instances.channels": method({
    params: InstancesChannelsParams,
    result: InstancesChannelsResult,
    scope: "read",
    mutating: false,
  }),
  "instances.configureChannel": method({
    params: InstancesConfigureChannelParams,
    result: ApprovalResult,
    scope: "write",
    mutating: true,
  }),
  "instances.disconnectChannel": method({
    params: InstancesDisconnectChannelParams,
    result: ApprovalResult,
    scope: "write",
    mutating: true,
  }),
  "instances.setChannelAccess": method({
    params: InstancesSetChannelAccessParams,
    result: ApprovalResult,
    scope: "write",
    mutating: true,
  }),
  "instances.attach": method({ params: InstancesAttachParams, result: InstanceResult, scope: "write", mutating: true }),
  "instances.detach": method({ params: InstancesAttachParams, result: InstanceResult, scope: "write", mutating: true }),
  "instances.list": method({
    params: InstancesListParams,
    result: InstancesListResult,
    scope: "read",
    mutating: false,
  }),
  "graph.apply": method({ params: GraphApplyParams, result: GraphApplyResult, scope: "write", mutating: true }),
  "presence.list": method({ params: PresenceListParams, result: PresenceListResult, scope: "read", mutating: false }),
  "presence.update": method({
    params: PresenceUpdateParams,
    result: PresenceUpdateResult,
    scope: "read",
    mutating: false,
  }),
  // Protocol 5: the workspace memory, and what the Autopilot's model calls cost.
  "memory.list": method({ params: MemoryListParams, result: MemoryListResult, scope: "read", mutating: false }),
  "memory.put": method({ params: MemoryPutParams, result: MemoryPutResult, scope: "write", mutating: true }),
  "memory.delete": method({ params: MemoryDeleteParams, result: MemoryDeleteResult, scope: "write", mutating: true }),
  "usage.list": method({ params: UsageListParams, result: UsageListResult, scope: "read", mutating: false }),
  // Protocol 8: the workspace's approval policy; owners and admins.
  "settings.update": method({ params: SettingsUpdateParams, result: SettingsResult, scope: "admin", mutating: true }),
  // Protocol 8: a person's own inbox (inbox.ts); agents are refused.
  "inbox.get": method({ params: InboxGetParams, result: InboxGetResult, scope: "read", mutating: false }),
  "inbox.markRead": method({ params: InboxMarkReadParams, result: InboxMarkReadResult, scope: "read", mutating: true }),
  "inbox.follow": method({ params: InboxFollowParams, result: InboxFollowResult, scope: "read", mutating: true }),
  "inbox.configure": method({
    params: InboxConfigureParams,
    result: InboxConfigureResult,
    scope: "read",
    mutating: true,
  }),
  "inbox.pushSubscribe": method({
    params: InboxPushSubscribeParams,
    result: InboxPushSubscribeResult,
    scope: "read",
    mutating: true,
  }),
  "inbox.pushUnsubscribe": method({
    params: InboxPushUnsubscribeParams,
    result: InboxPushUnsubscribeResult,
    scope: "read",
    mutating: true,
  }),
  // Protocol 8: full-text search over messages and thread titles (party/rooms/autopilot/features/workspace/search.ts).
  "search.query": method({ params: SearchQueryParams, result: SearchQueryResult, scope: "read", mutating: false }),
  // Protocol 9: projects (projects.ts); a thread belongs to at most one.
  "projects.create": method({ params: ProjectsCreateParams, result: ProjectResult, scope: "write", mutating: true }),
  "projects.update": method({ params: ProjectsUpdateParams, result: ProjectResult, scope: "write", mutating: true }),
  "projects.archive": method({ params: ProjectsArchiveParams, result: ProjectResult, scope: "write", mutating: true }),
  "projects.list": method({ params: ProjectsListParams, result: ProjectsListResult, scope: "read", mutating: false }),
  "projects.get": method({ params: ProjectsGetParams, result: ProjectResult, scope: "read", mutating: false }),
  // Protocol 9: tasks the Autopilot pursues step by step with no one connected, and the run log (tasks.ts).
  "tasks.start": method({ params: TasksStartParams, result: TaskResult, scope: "write", mutating: true }),
  "tasks.pause": method({ params: TaskControlParams, result: TaskResult, scope: "write", mutating: true }),
  "tasks.resume": method({ params: TaskControlParams, result: TaskResult, scope: "write", mutating: true }),
  "tasks.cancel": method({ params: TaskControlParams, result: TaskResult, scope: "write", mutating: true }),
  "tasks.get": method({ params: TasksGetParams, result: TaskResult, scope: "read", mutating: false }),
  "tasks.list": method({ params: TasksListParams, result: TasksListResult, scope: "read", mutating: false }),
  "runlog.list": method({ params: RunLogListParams, result: RunLogListResult, scope: "read", mutating: false }),
  // Protocol 9: schedules that post a prompt or start a task at their times (schedules.ts).
  "schedules.create": method({ params: SchedulesCreateParams, result: ScheduleResult, scope: "write", mutating: true }),
  "schedules.list": method({
    params: SchedulesListParams,
    result: SchedulesListResult,
    scope: "read",
    mutating: false,
  }),
  "schedules.pause": method({ params: ScheduleControlParams, result: ScheduleResult, scope: "write", mutating: true }),
  "schedules.resume": method({ params: ScheduleControlParams, result: ScheduleResult, scope: "write", mutating: true }),
  "schedules.delete": method({
    params: ScheduleControlParams,
    result: SchedulesDeleteResult,
    scope: "write",
    mutating: true,
  }),
  // Protocol 12: a schedule's edits, a run now, and its run history.
  "schedules.update": method({ params: SchedulesUpdateParams, result: ScheduleResult, scope: "write", mutating: true }),
  "schedules.run": method({
    params: ScheduleControlParams,
    result: SchedulesRunResult,
    scope: "write",
    mutating: true,
  }),
  "schedules.runs": method({
    params: SchedulesRunsParams,
    result: SchedulesRunsResult,
    scope: "read",
    mutating: false,
  }),
  "schedules.hook": method({
    params: SchedulesHookParams,
    result: SchedulesHookResult,
    scope: "write",
    mutating: true,
  }),
  // Protocol 9: which tools the Autopilot would have in a thread or project, and why (toolset.ts).
  "agent.toolset": method({ params: AgentToolsetParams, result: AgentToolsetResult, scope: "read", mutating: false }),
  // Protocol 10: the communities over Nostr (community.ts): the room reads the relay and signs for its people and agents.
  "community.feed": method({
    params: CommunityFeedParams,
    result: CommunityFeedResult,
    scope: "read",
    mutating: false,
  }),
  "community.post": method({
    params: CommunityPostParams,
    result: CommunityPostResult,
    scope: "write",
    mutating: true,
  }),
  "community.react": method({
    params: CommunityReactParams,
    result: CommunityReactResult,
    scope: "write",
    mutating: true,
  }),
  "community.report": method({
    params: CommunityReportParams,
    result: CommunityReportResult,
    scope: "write",
    mutating: true,
  }),
  "community.moderate": method({
    params: CommunityModerateParams,
    result: CommunityModerateResult,
    scope: "admin",
    mutating: true,
  }),
  "community.queue": method({
    params: CommunityQueueParams,
    result: CommunityQueueResult,
    scope: "admin",
    mutating: false,
  }),
  "community.identity": method({
    params: CommunityIdentityParams,
    result: CommunityIdentityResult,
    scope: "read",
    mutating: false,
  }),
  // Protocol 10: the workspace's money (billing.ts): its state and rollups, receipts, budgets.
  "billing.summary": method({
    params: BillingSummaryParams,
    result: BillingSummaryResult,
    scope: "read",
    mutating: false,
  }),
  "billing.entries": method({
    params: BillingEntriesParams,
    result: BillingEntriesResult,
    scope: "read",
    mutating: false,
  }),
  "billing.setBudget": method({
    params: BillingSetBudgetParams,
    result: BillingSetBudgetResult,
    scope: "admin",
    mutating: true,
  }),
  // Protocol 10: read state per person and agent key, kept in the room (reads.ts).
  "threads.markRead": method({
    params: ThreadsMarkReadParams,
    result: ThreadsMarkReadResult,
    scope: "read",
    mutating: true,
  }),
  // Protocol 11: pinned threads per person and agent key, kept in the room (pins.ts).
  "threads.pins": method({ params: ThreadsPinsParams, result: ThreadsPinsResult, scope: "read", mutating: false }),
  "threads.pin": method({ params: ThreadsPinParams, result: ThreadsPinResult, scope: "read", mutating: true }),
} as const;

export type MethodName = keyof typeof Methods;
export type MethodParams<M extends MethodName> = z.input<(typeof Methods)[M]["params"]>;
export type MethodParsedParams<M extends MethodName> = z.output<(typeof Methods)[M]["params"]>;
export type MethodResult<M extends MethodName> = z.output<(typeof Methods)[M]["result"]>;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(Methods, name);
}
