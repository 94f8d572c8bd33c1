import { RunsStatsParams, RunsStatsResult } from "./runs";
import { TracesConfigureParams, TracesGetParams, TracesResult } from "./traces";
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
  ApprovalsFiguresParams,
  ApprovalsFiguresResult,
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
import { ThreadsViewParams, ThreadsViewResult } from "./interest";
import { ThreadsPinParams, ThreadsPinResult, ThreadsPinsParams, ThreadsPinsResult } from "./pins";
import {
  ChatsConnectParams,
  ChatsConnectResult,
  ChatsDisconnectParams,
  ChatsDisconnectResult,
  ChatsGetParams,
  ChatsGetResult,
  ChatsLinkCodeParams,
  ChatsLinkCodeResult,
  ChatsUnlinkParams,
  ChatsBindCodeParams,
  ChatsBindCodeResult,
  ChatsBindingAccessParams,
  ChatsBindingAccessResult,
  ChatsUnbindParams,
  ChatsUnbindResult,
  ChatsUnlinkResult,
} from "./chats";
import {
  BillingEntriesParams,
  BillingInstanceHoursParams,
  BillingInstanceHoursResult,
  BillingEntriesResult,
  BillingSetAlertsParams,
  BillingSetAllowanceParams,
  BillingSetAllowanceResult,
  BillingSetAlertsResult,
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
  InstancesLinkWhatsAppParams,
  InstancesSetChannelAccessParams,
  InstancesWhatsAppLoginParams,
  InstancesCancelWhatsAppLoginParams,
  InstancesWhatsAppLoginResult,
} from "./channels";
import {
  InstancesConfigureSkillParams,
  InstancesInstallSkillParams,
  InstancesRemoveSkillParams,
  InstancesSearchSkillsParams,
  InstancesSearchSkillsResult,
  InstancesSkillsParams,
  InstancesSkillsResult,
  InstancesUploadSkillParams,
} from "./skills";
import {
  InstancesInvokeToolParams,
  InstancesInvokeToolResult,
  InstancesToolsParams,
  InstancesToolsResult,
} from "./instance-tools";
import { InstancesProposeConfigParams } from "./instance-config";
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
  InstancesUpdateParams,
  InstancesModelsParams,
  InstancesModelsResult,
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
import { InstancesGuideParams, InstancesGuideResult, InstancesLinkParams } from "./instance-links";
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
  TasksEstimateParams,
  TasksEstimateResult,
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

/** A kind of method: its scope, and whether it changes anything (so takes an idempotencyKey). */
const kind =
  (scope: Scope, mutating: boolean) =>
  <P extends z.ZodType, R extends z.ZodType>(params: P, result: R) =>
    method({ params, result, scope, mutating });
/** Most methods are one of four kinds; the others name their scope themselves. A read changes nothing. */
const reads = kind("read", false);
/** A change to the workspace that whoever may write makes. */
const writes = kind("write", true);
/** A change to what is the caller's own (what they have read, pinned, follow, how they are told): the read scope suffices. */
const ownWrites = kind("read", true);
/** A change to how the workspace runs (its settings, money, chat platforms and bound chats, community): owners and admins. */
const adminWrites = kind("admin", true);

export const Methods = {
  "threads.create": writes(ThreadsCreateParams, ThreadResult),
  "threads.rename": writes(ThreadsRenameParams, ThreadResult),
  "threads.archive": writes(ThreadsArchiveParams, ThreadResult),
  // Who answers the thread (protocol 5).
  "threads.configure": writes(ThreadsConfigureParams, ThreadResult),
  "threads.list": reads(ThreadsListParams, ThreadsListResult),
  "messages.list": reads(MessagesListParams, MessagesListResult),
  "chat.send": writes(ChatSendParams, ChatSendResult),
  // Stops the thread's running gateway reply; a repeat answers with the first result.
  "chat.abort": writes(ChatAbortParams, ChatAbortResult),
  // Protocol 8: the Autopilot's run waiting for approvals goes on without them (agent.ts).
  "chat.goAhead": writes(ChatGoAheadParams, ChatGoAheadResult),
  "sessions.list": reads(SessionsListParams, SessionsListResult),
  "sessions.open": writes(SessionsOpenParams, ThreadResult),
  "sessions.history": reads(SessionsHistoryParams, SessionsHistoryResult),
  "sessions.send": writes(SessionsSendParams, SessionsSendResult),
  "approvals.request": writes(ApprovalsRequestParams, ApprovalResult),
  "approvals.resolve": method({
    params: ApprovalsResolveParams,
    result: ApprovalResult,
    scope: "approve",
    mutating: true,
  }),
  "approvals.list": reads(ApprovalsListParams, ApprovalsListResult),
  "approvals.get": reads(ApprovalsGetParams, ApprovalResult),
  // How the workspace's approvals reached people: for owners and admins (features/approval-reach/).
  "approvals.figures": method({
    params: ApprovalsFiguresParams,
    result: ApprovalsFiguresResult,
    scope: "admin",
    mutating: false,
  }),
  "audit.list": reads(AuditListParams, AuditListResult),
  "jobs.start": writes(JobsStartParams, JobResult),
  "jobs.update": writes(JobsUpdateParams, JobResult),
  "jobs.finish": writes(JobsFinishParams, JobResult),
  "jobs.fail": writes(JobsFailParams, JobResult),
  "jobs.cancel": writes(JobsCancelParams, JobResult),
  "jobs.list": reads(JobsListParams, JobsListResult),
  // Gated: each answers with the approval a person must decide; the operation runs then.
  "instances.provision": writes(InstancesProvisionParams, ApprovalResult),
  "instances.restart": writes(InstanceOperationParams, ApprovalResult),
  "instances.backup": writes(InstanceOperationParams, ApprovalResult),
  "instances.delete": writes(InstanceOperationParams, ApprovalResult),
  // Protocol 6: restore a chosen backup (gated), and what the runtime and gateway report.
  "instances.restore": writes(InstancesRestoreParams, ApprovalResult),
  "instances.unpair": writes(InstancesUnpairParams, ApprovalResult),
  // Protocol 7: one approval from a first message to a running chat (chat-start.ts).
  "instances.startChat": writes(InstancesStartChatParams, InstancesStartChatResult),
  // Protocol 7: a gateway its users run elsewhere (gated); the token stays in the room.
  "instances.link": writes(InstancesLinkParams, ApprovalResult),
  // How to have an OpenClaw here, managed or your own: the words the app's guide shows.
  "instances.guide": reads(InstancesGuideParams, InstancesGuideResult),
  "instances.details": reads(InstancesDetailsParams, InstancesDetailsResult),
  // Protocol 8: a device's or node's setup code (admin; a node's request still waits for a person).
  "instances.deviceSetup": method({
    params: InstancesDeviceSetupParams,
    result: InstancesDeviceSetupResult,
    scope: "admin",
    mutating: false,
  }),
  // Protocol 8: a command on a paired node: people only; the Autopilot's model after an approval.
  "instances.invokeNode": writes(InstancesInvokeNodeParams, InstancesInvokeNodeResult),
  // Protocol 8: an instance's channels through its gateway; each change is gated, a token stays in the room.
  "instances.channels": reads(InstancesChannelsParams, InstancesChannelsResult),
  "instances.configureChannel": writes(InstancesConfigureChannelParams, ApprovalResult),
  "instances.disconnectChannel": writes(InstancesDisconnectChannelParams, ApprovalResult),
  "instances.setChannelAccess": writes(InstancesSetChannelAccessParams, ApprovalResult),
  // Capability `instances.skills`: an instance's skills through its gateway; each change is gated, a key stays in the room.
  "instances.skills": reads(InstancesSkillsParams, InstancesSkillsResult),
  "instances.uploadSkill": writes(InstancesUploadSkillParams, ApprovalResult),
  "instances.configureSkill": writes(InstancesConfigureSkillParams, ApprovalResult),
  // Capability `instances.skills.remove`: a hosted instance's installed skill removed (the runtime deletes its folder).
  "instances.removeSkill": writes(InstancesRemoveSkillParams, ApprovalResult),
  // ClawHub through the gateway (it needs the internet): search, and an install as an approval.
  "instances.searchSkills": reads(InstancesSearchSkillsParams, InstancesSearchSkillsResult),
  "instances.installSkill": writes(InstancesInstallSkillParams, ApprovalResult),
  // Capability `instances.tools`: an instance's tools through its gateway; a risky one's run is gated.
  "instances.tools": reads(InstancesToolsParams, InstancesToolsResult),
  "instances.invokeTool": writes(InstancesInvokeToolParams, InstancesInvokeToolResult),
  // Capability `instances.config`: a change of an instance's config, in words, decided by a person.
  "instances.proposeConfig": writes(InstancesProposeConfigParams, ApprovalResult),
  // Protocol 19: WhatsApp linked by QR (the gateway's web.login.*), the link an approval; its QR read while it lasts.
  "instances.linkWhatsApp": writes(InstancesLinkWhatsAppParams, ApprovalResult),
  "instances.whatsAppLogin": reads(InstancesWhatsAppLoginParams, InstancesWhatsAppLoginResult),
  "instances.cancelWhatsAppLogin": writes(InstancesCancelWhatsAppLoginParams, InstancesWhatsAppLoginResult),
  "instances.attach": writes(InstancesAttachParams, InstanceResult),
  "instances.detach": writes(InstancesAttachParams, InstanceResult),
  "instances.update": writes(InstancesUpdateParams, InstanceResult),
  // Decision 73: an instance's model and the ones the runtime offers.
  "instances.models": reads(InstancesModelsParams, InstancesModelsResult),
  "instances.list": reads(InstancesListParams, InstancesListResult),
  "graph.apply": writes(GraphApplyParams, GraphApplyResult),
  "presence.list": reads(PresenceListParams, PresenceListResult),
  "presence.update": reads(PresenceUpdateParams, PresenceUpdateResult),
  // Protocol 5: the workspace memory, and what the Autopilot's model calls cost.
  "memory.list": reads(MemoryListParams, MemoryListResult),
  "memory.put": writes(MemoryPutParams, MemoryPutResult),
  "memory.delete": writes(MemoryDeleteParams, MemoryDeleteResult),
  "usage.list": reads(UsageListParams, UsageListResult),
  // Protocol 8: the workspace's approval policy; owners and admins.
  "settings.update": adminWrites(SettingsUpdateParams, SettingsResult),
  // Protocol 8: a person's own inbox (inbox.ts); agents are refused.
  "inbox.get": reads(InboxGetParams, InboxGetResult),
  "inbox.markRead": ownWrites(InboxMarkReadParams, InboxMarkReadResult),
  "inbox.follow": ownWrites(InboxFollowParams, InboxFollowResult),
  "inbox.configure": ownWrites(InboxConfigureParams, InboxConfigureResult),
  "inbox.pushSubscribe": ownWrites(InboxPushSubscribeParams, InboxPushSubscribeResult),
  "inbox.pushUnsubscribe": ownWrites(InboxPushUnsubscribeParams, InboxPushUnsubscribeResult),
  // Protocol 8: full-text search over messages and thread titles (party/rooms/autopilot/features/workspace/search.ts).
  "search.query": reads(SearchQueryParams, SearchQueryResult),
  // Protocol 9: projects (projects.ts); a thread belongs to at most one.
  "projects.create": writes(ProjectsCreateParams, ProjectResult),
  "projects.update": writes(ProjectsUpdateParams, ProjectResult),
  "projects.archive": writes(ProjectsArchiveParams, ProjectResult),
  "projects.list": reads(ProjectsListParams, ProjectsListResult),
  "projects.get": reads(ProjectsGetParams, ProjectResult),
  // Protocol 9: tasks the Autopilot pursues step by step with no one connected, and the run log (tasks.ts).
  "tasks.start": writes(TasksStartParams, TaskResult),
  // Protocol 15: a task's worst case before it starts.
  "tasks.estimate": reads(TasksEstimateParams, TasksEstimateResult),
  "tasks.pause": writes(TaskControlParams, TaskResult),
  "tasks.resume": writes(TaskControlParams, TaskResult),
  "tasks.cancel": writes(TaskControlParams, TaskResult),
  "tasks.get": reads(TasksGetParams, TaskResult),
  "tasks.list": reads(TasksListParams, TasksListResult),
  "runlog.list": reads(RunLogListParams, RunLogListResult),
  // Protocol 9: schedules that post a prompt or start a task at their times (schedules.ts).
  "schedules.create": writes(SchedulesCreateParams, ScheduleResult),
  "schedules.list": reads(SchedulesListParams, SchedulesListResult),
  "schedules.pause": writes(ScheduleControlParams, ScheduleResult),
  "schedules.resume": writes(ScheduleControlParams, ScheduleResult),
  "schedules.delete": writes(ScheduleControlParams, SchedulesDeleteResult),
  // Protocol 12: a schedule's edits, a run now, and its run history.
  "schedules.update": writes(SchedulesUpdateParams, ScheduleResult),
  "schedules.run": writes(ScheduleControlParams, SchedulesRunResult),
  "schedules.runs": reads(SchedulesRunsParams, SchedulesRunsResult),
  "schedules.hook": writes(SchedulesHookParams, SchedulesHookResult),
  // Protocol 9: which tools the Autopilot would have in a thread or project, and why (toolset.ts).
  "agent.toolset": reads(AgentToolsetParams, AgentToolsetResult),
  // Protocol 10: the communities over Nostr (community.ts): the room reads the relay and signs for its people and agents.
  "community.feed": reads(CommunityFeedParams, CommunityFeedResult),
  "community.post": writes(CommunityPostParams, CommunityPostResult),
  "community.react": writes(CommunityReactParams, CommunityReactResult),
  "community.report": writes(CommunityReportParams, CommunityReportResult),
  "community.moderate": adminWrites(CommunityModerateParams, CommunityModerateResult),
  "community.queue": method({
    params: CommunityQueueParams,
    result: CommunityQueueResult,
    scope: "admin",
    mutating: false,
  }),
  "community.identity": reads(CommunityIdentityParams, CommunityIdentityResult),
  // Protocol 10: the workspace's money (billing.ts): its state and rollups, receipts, budgets.
  "billing.summary": reads(BillingSummaryParams, BillingSummaryResult),
  "billing.entries": reads(BillingEntriesParams, BillingEntriesResult),
  // Each hosted instance's awake and asleep hours this period (features/metering/, decision 78).
  "billing.instanceHours": reads(BillingInstanceHoursParams, BillingInstanceHoursResult),
  "billing.setBudget": adminWrites(BillingSetBudgetParams, BillingSetBudgetResult),
  // Protocol 15: when owners and admins are told about the money.
  "billing.setAlerts": adminWrites(BillingSetAlertsParams, BillingSetAlertsResult),
  // Protocol 16: an agent key's spending allowance, set by a person.
  "billing.setAllowance": adminWrites(BillingSetAllowanceParams, BillingSetAllowanceResult),
  // Protocol 10: read state per person and agent key, kept in the room (reads.ts).
  "threads.markRead": ownWrites(ThreadsMarkReadParams, ThreadsMarkReadResult),
  // Protocol 11: pinned threads per person and agent key, kept in the room (pins.ts).
  "threads.pins": reads(ThreadsPinsParams, ThreadsPinsResult),
  "threads.pin": ownWrites(ThreadsPinParams, ThreadsPinResult),
  // Protocol 18: the threads a socket gets messages and streams of (interest.ts).
  "threads.view": reads(ThreadsViewParams, ThreadsViewResult),
  // Protocol 13: the workspace's chats (chats.ts): a bot connected by an owner or admin, people's links to it.
  "chats.get": reads(ChatsGetParams, ChatsGetResult),
  "chats.connect": adminWrites(ChatsConnectParams, ChatsConnectResult),
  "chats.disconnect": adminWrites(ChatsDisconnectParams, ChatsDisconnectResult),
  "chats.linkCode": ownWrites(ChatsLinkCodeParams, ChatsLinkCodeResult),
  "chats.unlink": ownWrites(ChatsUnlinkParams, ChatsUnlinkResult),
  // Protocol 14: threads bound to chats (chats.ts).
  "chats.bindCode": adminWrites(ChatsBindCodeParams, ChatsBindCodeResult),
  "chats.unbind": adminWrites(ChatsUnbindParams, ChatsUnbindResult),
  // Protocol 19: who is answered in a bound chat (chats.ts).
  "chats.bindingAccess": adminWrites(ChatsBindingAccessParams, ChatsBindingAccessResult),
  // Decision 80: how the export of the runs' traces stands, and the workspace's own collector (owners and admins).
  "traces.get": method({ params: TracesGetParams, result: TracesResult, scope: "admin", mutating: false }),
  "traces.configure": adminWrites(TracesConfigureParams, TracesResult),
  // Decision 83: the runs over a window of days, per day, model and tool, and a page of them (owners and admins).
  "runs.stats": method({ params: RunsStatsParams, result: RunsStatsResult, scope: "admin", mutating: false }),
} as const;

export type MethodName = keyof typeof Methods;
export type MethodParams<M extends MethodName> = z.input<(typeof Methods)[M]["params"]>;
export type MethodParsedParams<M extends MethodName> = z.output<(typeof Methods)[M]["params"]>;
export type MethodResult<M extends MethodName> = z.output<(typeof Methods)[M]["result"]>;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(Methods, name);
}
