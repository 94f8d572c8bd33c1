import { agentInfo, readModelConfig } from "../../../agent/config";
import { AutopilotAgent } from "../../../agent/runner";
import { TaskRunner } from "../../../agent/task-runner";
import type { AccessChange } from "../../../access/access-change";
import { readGatewayLimits } from "../../../bridge/gateway-limits";
import type { DeviceEntryState } from "../../../devices/pipe";
import { deviceEntryState } from "../../../devices/setup";
import { roomEpoch } from "../domain/eventlog";
import { fileById, recordFile, type StoredFile } from "../domain/files";
import { allSessions } from "../domain/gateway";
import { type GraphFeed, readGraphFeed } from "../domain/graph-feed";
import { fileWorkspaceMaxBytes } from "../../../files/content";
import { deleteFileObjects, deleteOrphanFiles, fileBytes } from "../../../files/storage";
import type { GraphApplyOutcome } from "../../hatchery/room";
import { applyAccessChange } from "../access-changed";
import type { AutopilotContext } from "../context";
import { HatcheryLink } from "../hatchery-link";
import { roomInbox, threadReadsOf } from "./inbox";
import type { InstalledFeatures } from "../kernel/host";
import type { RoomServices } from "../kernel/services";
import { McpSessions } from "./mcp";
import { RetentionSweep } from "../schedules/retention-sweep";
import { ApprovalExpiry } from "./approvals";
import { roomFeatures } from "./list";
import { InstanceHost } from "./instances";
import { readScheduleLimits, ScheduleRunner } from "./schedules";
import { readTaskLimits, TaskHeartbeat } from "./tasks";
import { BillingNews, type BillingRpc, billingRpc } from "./billing";
import { readBillingConfig } from "../../../billing/config";
import { SpendGate } from "../domain/spend-gate";
import { InstanceMeters } from "./metering";
import { runtimeFromEnv } from "../../../runtime-client";
import { eventFrame } from "../kernel/fanout";
import { connState } from "../../shared/connection-state";
import { hasScope } from "../../../../shared/scopes";
import { community, type CommunityRpc } from "./community";

/** Every scheduled callback of the room's features, by the name its schedule rows store. */
export const ROOM_SCHEDULES = [
  "expireApprovals",
  "sweepRetention",
  "watchBridges",
  "backupInstances",
  "mailInbox",
  "fireSchedules",
  "resumeTasks",
  "meterInstances",
] as const;

/** The room's RPC surface for the Hatchery and the Worker (the room starts itself before each). */
export interface RoomRpc extends BillingRpc, CommunityRpc {
  /** For the Hatchery: a page of durable events after `since`, or of the domain state when `since` is from another epoch or fell out of the log (graph-feed.ts). */
  graphFeed(
    since: number,
    epoch: string | null,
    limit?: number,
    snapshotCursor?: string | null,
    sessionsDigest?: string | null,
  ): GraphFeed;
  /** From party/files/routes.ts: a file's bytes are stored; the room records it, within the workspace's cap. */
  recordFile(file: StoredFile): { recorded: boolean; maxBytes: number };
  /** From party/devices/entry.ts: only a hosted instance that is ready takes devices. */
  deviceEntryState(instanceId: string): DeviceEntryState;
  /** From party/access/revalidate.ts: access in this workspace changed. */
  accessChanged(message: AccessChange): Promise<void>;
}

export interface RoomFeatureSet extends InstalledFeatures {
  readonly rpc: RoomRpc;
}

/**
 * The Autopilot room's features built on the kernel's services, with the live parts they
 * share: the instances' bridges, the Autopilot's agent, the inbox, MCP's sessions, the
 * Hatchery link, the retention sweep and the approvals' expiry.
 */
export function installFeatures(s: RoomServices): RoomFeatureSet {
  const { sql, commit, env, workspaceId } = s;
  const modelConfig = readModelConfig(env);
  const canvas = new HatcheryLink(env.Hatchery, workspaceId);
  const expiry = new ApprovalExpiry({ sql, commit, scheduler: s.scheduler, workspaceId });
  const retention = new RetentionSweep({
    sql,
    every: (seconds) => s.scheduler.every(seconds, "sweepRetention"),
    cancel: async () => {
      for (const schedule of await s.scheduler.list())
        if (schedule.callback === "sweepRetention") await s.scheduler.cancel(schedule.id);
    },
    auditRows: () => Math.max(1, Number(env.AUDIT_RETAIN ?? 10_000)),
    sweepCanvas: async (now) => (await canvas.stub()).forgetExpired(now),
    workspaceId,
    deleteFiles: (ids) => deleteFileObjects(env.FILES, workspaceId(), ids),
    deleteOrphans: (before) => deleteOrphanFiles(env.FILES, workspaceId(), (id) => fileById(sql, id) !== null, before),
  });
  const billingParts = {
    sql,
    commit,
    config: readBillingConfig(env),
    toReaders: ((event, payload) => {
      const text = eventFrame(event, payload);
      for (const conn of s.sockets.getConnections()) {
        const state = connState(conn);
        if (state && hasScope(state.principal.scopes, "read")) s.clients.send(conn, text);
      }
    }) as RoomServices["broadcast"],
  };
  const billingNews = new BillingNews(billingParts);
  const communityPart = community({
    sql,
    commit,
    env,
    workspaceId,
    // News of a community: for every socket that may read; the moderation queue's for owners and admins only.
    tell: (payload) => {
      const text = eventFrame("community.event", payload);
      const scope = payload.type === "moderation" ? "admin" : "read";
      for (const conn of s.sockets.getConnections()) {
        const state = connState(conn);
        if (state && hasScope(state.principal.scopes, scope)) s.clients.send(conn, text);
      }
    },
    // A mention in the community noted or gone: those people's inboxes again (the inbox is made below).
    inboxChanged: (principalIds) => inbox.hub.refresh(principalIds),
  });
  const spend = new SpendGate(sql, billingParts.config, () => billingNews.changed());
  const meters = new InstanceMeters({
    sql,
    config: billingParts.config,
    workspaceId,
    runtime: () => runtimeFromEnv(env),
    changed: () => billingNews.changed(),
    schedule: {
      every: (seconds) => s.scheduler.every(seconds, "meterInstances"),
      cancel: async () => {
        for (const schedule of await s.scheduler.list())
          if (schedule.callback === "meterInstances") await s.scheduler.cancel(schedule.id);
      },
    },
  });
  // The runtime learns whether the gateways may spend when the balance crosses zero either way.
  billingNews.onChange((state) => void s.keepAliveWhile(() => meters.tellRuntime(false, state.balance)));
  const instances = new InstanceHost(s, () => canvas.poke(), { spend, meters });
  const agent = new AutopilotAgent({
    sql,
    commit,
    config: () => modelConfig,
    broadcast: (event, payload) => s.broadcast(event, payload),
    keepAlive: () => s.keepAlive(),
    invoke: (principal, method, params, onBehalfOf) =>
      s.invoke({ principal, via: "tool", ...(onBehalfOf ? { onBehalfOf } : {}) }, method, params),
    gateway: (threadId) => instances.bridges.gatewayFor(threadId),
    currentAccess: s.currentAccess,
    files: (fileId) => fileBytes(env.FILES, workspaceId())(fileId),
    spend,
  });
  const taskLimits = readTaskLimits(env);
  const taskRunner = new TaskRunner({
    sql,
    commit,
    config: () => modelConfig,
    broadcast: (event, payload) => s.broadcast(event, payload),
    keepAlive: () => s.keepAlive(),
    invoke: (principal, method, params, onBehalfOf) =>
      s.invoke({ principal, via: "tool", ...(onBehalfOf ? { onBehalfOf } : {}) }, method, params),
    gateway: (threadId) => instances.bridges.gatewayFor(threadId),
    currentAccess: s.currentAccess,
    concurrent: () => taskLimits.atOnce,
    spend,
  });
  const heartbeat = new TaskHeartbeat({
    scheduler: s.scheduler,
    busy: () => taskRunner.busy,
    pump: () => taskRunner.pump(),
    workspaceId,
  });
  const inbox = roomInbox({
    env,
    name: workspaceId,
    scheduler: s.scheduler,
    sockets: s.sockets,
    room: () => ({ sql, presence: () => s.clients.presence(), currentAccess: s.currentAccess }),
    send: (conn, text) => s.clients.send(conn, text),
  });
  const context: AutopilotContext = {
    sql,
    commit,
    ...instances.context(),
    agent,
    presence: () => s.clients.presence(),
    modelConfigured: () => modelConfig.configured,
    // RPC results lose their discriminated-union narrowing; read them as the plain union.
    applyGraph: async (principalId, idempotencyKey, commands) =>
      (await (await canvas.stub()).applyCommands(principalId, idempotencyKey, commands)) as GraphApplyOutcome,
    currentAccess: s.currentAccess,
    inbox: {
      refresh: (ids) => inbox.hub.refresh(ids),
      preferencesChanged: () => inbox.mail.soon(Date.now(), true),
      push: inbox.pushConfig,
      readMoved: (principalId, payload) => inbox.readMoved(principalId, payload),
    },
  };
  const scheduleRunner = new ScheduleRunner({
    sql,
    commit,
    scheduler: s.scheduler,
    currentAccess: s.currentAccess,
    call: s.call,
    keepAliveWhile: (work) => s.keepAliveWhile(work),
    workspaceId,
  });
  const mcp = new McpSessions({ room: () => context, meter: () => s.clients.meter, limits: s.limits, call: s.call });
  return {
    list: roomFeatures({
      instances,
      expiry,
      canvas,
      inbox,
      mcp,
      retention,
      agent,
      model: () => modelConfig,
      schedules: { runner: scheduleRunner, limits: readScheduleLimits(env) },
      tasks: { runner: taskRunner, limits: taskLimits, room: { sql, commit }, heartbeat },
      billing: { parts: billingParts, news: billingNews },
      metering: { meters, keepAliveWhile: (work) => s.keepAliveWhile(work) },
      community: communityPart.feature,
    }),
    context,
    capabilities: [mcp],
    hello: (principal) => ({
      live: { streams: [...instances.bridges.streams, ...agent.streams], sessions: allSessions(sql) },
      agent: agentInfo(modelConfig),
      streamBytes: readGatewayLimits(env).helloStreamBytes,
      reads: threadReadsOf(sql, principal.id),
    }),
    joined: (conn, principal, request) => inbox.hub.greet(conn, principal, inbox.originOf(request), Date.now()),
    rpc: {
      // From the Worker's billing routes: Stripe's top-ups, operators' grants and plans, /admin's view.
      ...billingRpc(billingParts, billingNews),
      // From the communities' relay (party/rooms/relay/notify.ts): new events, told to the sockets live.
      ...communityPart.rpc,
      graphFeed: (since, epoch, limit = 500, snapshotCursor = null, sessionsDigest = null) =>
        readGraphFeed(sql, roomEpoch(sql), since, epoch, limit, snapshotCursor, sessionsDigest),
      recordFile: (file) => {
        const maxBytes = fileWorkspaceMaxBytes(env);
        const recorded = recordFile(sql, file, maxBytes);
        if (recorded) retention.ensure();
        return { recorded, maxBytes };
      },
      deviceEntryState: (instanceId) => deviceEntryState(sql, instanceId),
      accessChanged: async (message) => {
        const sockets = s.guardedSockets().concat(mcp.guarded());
        const room = { sql, commit, db: env.DB, workspaceId: workspaceId(), currentAccess: s.currentAccess, sockets };
        await applyAccessChange(
          {
            ...room,
            recheckRuns: async () => {
              await agent.recheckActive();
              await taskRunner.recheck();
            },
          },
          message,
        );
        inbox.hub.refreshEveryone();
      },
    },
  };
}
