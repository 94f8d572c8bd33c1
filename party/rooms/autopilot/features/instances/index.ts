import type { Approval } from "../../../../../shared/protocol/approvals";
import type { MethodParsedParams, MethodResult } from "../../../../../shared/protocol/methods";
import type { OpContext } from "../../kernel/commit";
import { requestChannelAccess, requestConfigureChannel, requestDisconnectChannel } from "./channels/requests";
import { startChat } from "./chat-starts-store";
import { RoomError } from "../../../../domain/errors";
import { listSessions, openSession, refuseOwnDevice, sendToSession } from "./gateway";
import { queueIfForGateway } from "./gateway-outbox";
import { approvals } from "../approvals";
import { GATEWAY_ACTION_KINDS, prepareGatewayDecision } from "./bridge/decisions";
import { isAccessPrincipal } from "../../../../auth/current-access";
import { bindingForSession } from "./gateway-bindings";
import { requestLink } from "./gateway-links";
import { attachInstance, getInstance, listInstances, requestInstanceOperation } from "./instances";
import { getThread } from "../threads/index";
import { defineFeature } from "../../kernel/feature";
import { readGatewayLimits } from "./bridge/gateway-limits";
import type { DeviceEntryState } from "./devices/pipe";
import { deviceEntryState } from "./devices/setup";
import { billing } from "../billing";
import { metering } from "./metering";

export { metering } from "./metering";
import { allSessions } from "./gateway";
import { local, methods, mutate, query } from "../../kernel/handlers";
import { readOwnMessage, threads } from "../threads";
import { InstanceHost } from "./host";
import type { BridgeSupervisor } from "./bridge-supervisor";
import type { Sql } from "../../../../domain/sql";
import { gatewayNotConnected } from "./not-connected";

// What other features use of this one.
export type { GatewayCatalogEntry } from "./bridge/gateway-frames";
export { bindingForThread } from "./gateway-bindings";
export {
  catalogDescription,
  DEFAULT_RISKY_GATEWAY_TOOLS,
  GATEWAY_TOOL,
  gatewayToolRisk,
  readRiskyGatewayTools,
  requestedGatewayTool,
} from "./gateway-catalog";
export { type GatewayAccess, gatewayTools } from "./gateway-tool";
export { allSessions } from "./gateway";
export { getInstance, requireInstance } from "./instances";
export { gatewayNotConnected } from "./not-connected";

/** The room's RPC for the Worker's device entry (party/api/device-entry.ts). */
export interface InstancesRpc {
  /** Only a hosted instance that is ready takes devices. */
  deviceEntryState(instanceId: string): DeviceEntryState;
}

/**
 * OpenClaw instances, hosted or linked, and their gateways' sessions: operations are filed
 * as approvals and run once approved; bridges follow the instances and their threads.
 */
export const instances = defineFeature({
  name: "instances",
  needs: [billing, metering, threads, approvals],
  schedules: ["watchBridges", "backupInstances"],
  build: (s, needs) => {
    const p = new InstanceHost(s, { spend: needs.billing.spend, meters: needs.metering });
    // What an hour of a hosted instance costs: a start's approval says it (and what a month would be).
    const hourly = needs.billing.config.prices.instanceHour;
    needs.threads.onSend(queueIfForGateway);
    // An operation a person or key asked for acts for them (every instance operation takes
    // `write`); one the Autopilot's run asked for is the agent's to tell.
    needs.approvals.actingFor((_sql, approval) =>
      approval.action?.kind === "instance" && isAccessPrincipal(approval.requestedBy)
        ? { principal: { ...approval.requestedBy, scopes: [] }, scope: "write" }
        : undefined,
    );
    // A decision on a gateway's request reaches the gateway before the room records it.
    needs.approvals.prepareDecision(GATEWAY_ACTION_KINDS, (_req, approval, decision) =>
      prepareGatewayDecision(
        { sql: s.sql, commit: s.commit, decisionsFor: (instanceId) => p.bridges.get(instanceId)?.decisions },
        approval,
        decision,
      ),
    );
    const live = p.live();
    const rpc: InstancesRpc = { deviceEntryState: (instanceId) => deviceEntryState(s.sql, instanceId) };
    const guarded = <R extends { approval: Approval }>(ctx: OpContext, result: R): R => {
      const action = result.approval.action;
      if (action?.kind === "instance") p.guardStart(ctx, action.instanceId);
      return result;
    };
    return {
      api: p,
      rpc,
      // Instances are not capped: each is a container, there are few.
      snapshot: () => ({ instances: listInstances(s.sql) }),
      streams: () => p.bridges.streams,
      hello: () => ({
        sessions: allSessions(s.sql),
        streamBytes: readGatewayLimits(s.env).helloStreamBytes,
      }),
      methods: methods({
        // A start is refused before anything starts (the plan's limit, the balance): the checks run
        // after the request's own, and a refusal rolls its approval back with the transaction.
        "instances.provision": mutate((ctx, params) =>
          guarded(ctx, requestInstanceOperation(ctx, "provision", params, { hourly })),
        ),
        "instances.restart": mutate((ctx, params) => guarded(ctx, requestInstanceOperation(ctx, "restart", params))),
        "instances.backup": mutate((ctx, params) => requestInstanceOperation(ctx, "backup", params)),
        "instances.delete": mutate((ctx, params) => requestInstanceOperation(ctx, "delete", params)),
        "instances.restore": mutate((ctx, params) => guarded(ctx, requestInstanceOperation(ctx, "restore", params))),
        "instances.unpair": mutate((ctx, params) => {
          refuseOwnDevice(ctx.sql, params.instanceId, params.deviceId);
          return requestInstanceOperation(ctx, "unpair", params);
        }),
        "instances.startChat": mutate((ctx, params) => guarded(ctx, startChat(ctx, params, hourly))),
        "instances.link": mutate((ctx, params) => requestLink(ctx, params, p.bridges.linkPolicy())),
        "instances.details": local((_req, params) => live.instanceDetails(params.instanceId)),
        "instances.deviceSetup": local((req, params) => live.devices.setup(req.principal, params.instanceId)),
        "instances.invokeNode": local((req, params) =>
          live.devices.invokeNode(req.principal, params, req.approvedCall),
        ),
        "instances.channels": local((_req, params) => live.instanceChannels(params.instanceId)),
        "instances.configureChannel": mutate(requestConfigureChannel),
        "instances.disconnectChannel": mutate(requestDisconnectChannel),
        "instances.setChannelAccess": mutate(requestChannelAccess),
        "instances.attach": mutate((ctx, params) => attachInstance(ctx, params, true)),
        "instances.detach": mutate((ctx, params) => attachInstance(ctx, params, false)),
        "instances.list": query((sql) => ({ instances: listInstances(sql) })),
        "sessions.list": query((sql, params) => listSessions(sql, params.instanceId)),
        "sessions.open": mutate(openSession),
        "sessions.history": local((_req, params) => sessionHistory(s.sql, p.bridges, params)),
        // As chat.send: the sender has read their own message.
        "sessions.send": mutate((ctx, p) => {
          const sent = sendToSession(ctx, p);
          // The thread as it is after the send (sendToSession reads it again).
          readOwnMessage(ctx.sql, ctx.principal.id, sent.thread.id, sent.message.n, sent.thread.messageCount, ctx.now);
          return sent;
        }),
      }),
      reactions: {
        "approval.resolved": ({ approval }) => {
          if (approval.action?.kind === "instance") p.settle(approval);
        },
        // A deleted instance's sessions went with it: clients drop the list they hold.
        "instance.updated": ({ instance }) => {
          if (instance.status === "stopped") p.sessionsChanged(instance.id);
        },
        "message.created": ({ message }) => {
          // A message for a gateway thread was queued with it; the bridge sends it now.
          // (No bridge, no lookup: this runs for every message in the room.)
          if (p.bridges.size === 0 || message.author.id.startsWith("instance:")) return;
          const gateway = getThread(p.sql, message.threadId)?.gateway;
          if (gateway) void p.bridges.get(gateway.instanceId)?.flush();
        },
        "thread.created": ({ thread }) => {
          if (!thread.gateway) return;
          p.bridges.get(thread.gateway.instanceId)?.syncThread(thread.id);
          // A gateway thread is bound when it is made (sessions.open / sessions.send).
          p.sessionsChanged(thread.gateway.instanceId);
        },
        "thread.updated": ({ thread }) => {
          if (thread.gateway) p.bridges.get(thread.gateway.instanceId)?.syncThread(thread.id);
        },
      },
      afterCommit(effects) {
        if (effects.events.some((e) => e.event === "instance.updated" || e.event === "instance.deleted"))
          p.ensureBridges();
      },
      schedules: { watchBridges: () => p.watch(), backupInstances: () => p.backup() },
      start: () => p.start(),
    };
  },
});

/** Moves `instances.startChat` starts along when an approval was decided or an instance changed (after the bridges followed). */
export const chatStarts = defineFeature({
  name: "chat-starts",
  needs: [instances],
  build: (_s, { instances }) => ({ afterCommit: (effects) => instances.chatStarts(effects) }),
});

/** A gateway session's history, read live from its gateway. */
async function sessionHistory(
  sql: Sql,
  bridges: BridgeSupervisor,
  params: MethodParsedParams<"sessions.history">,
): Promise<MethodResult<"sessions.history">> {
  if (!getInstance(sql, params.instanceId))
    throw new RoomError("not_found", `no instance ${params.instanceId}`, { instanceId: params.instanceId });
  const bridge = bridges.get(params.instanceId);
  if (!bridge) throw gatewayNotConnected({ id: params.instanceId });
  const messages = await bridge.history(params.sessionKey, params.limit);
  return { messages, threadId: bindingForSession(sql, params.instanceId, params.sessionKey)?.threadId ?? null };
}

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { channelRequests as channelRequestsTable } from "./channels/tables";
export {
  agentGatewayInvokes as agentGatewayInvokesTable,
  gatewayImports as gatewayImportsTable,
  instances as instancesTable,
} from "./tables";
