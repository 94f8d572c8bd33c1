import { guideText } from "../../../../../shared/openclaw-paths";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { MethodParsedParams, MethodResult } from "../../../../../shared/protocol/methods";
import { isAccessPrincipal } from "../../../../auth/current-access";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import type { OpContext } from "../../kernel/commit";
import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate } from "../../kernel/handlers";
import { approvals } from "../approvals";
import { billing } from "../billing";
import {
  type BridgeSupervisor,
  GATEWAY_ACTION_KINDS,
  gatewayActionOf,
  gatewayBridge,
  prepareGatewayDecision,
  readGatewayLimits,
} from "../gateway-bridge";
import {
  allSessions,
  bindingForSession,
  gatewayNotConnected,
  getInstance,
  instanceStore,
  linkTokens,
  listInstances,
  refuseOwnDevice,
  renameInstance,
  requestInstanceOperation,
  requestLink,
  requireInstance,
  sealPlainLinks,
} from "../instance-store";
import { instanceSleep } from "../instance-sleep";
import { metering } from "../metering";
import { getThread, threads } from "../threads";
import { InstanceHost } from "./host";
import { instanceModels, setInstanceModel } from "./model";

// What other features use of the instances, from the features that hold it (gateway-bridge,
// instance-store, gateway-channels).
export {
  catalogDescription,
  DEFAULT_RISKY_GATEWAY_TOOLS,
  GATEWAY_TOOL,
  type GatewayAccess,
  type GatewayCatalogEntry,
  gatewayToolRisk,
  gatewayTools,
  readRiskyGatewayTools,
  requestedGatewayTool,
} from "../gateway-bridge";
export { allSessions, bindingForThread, gatewayNotConnected, getInstance, requireInstance } from "../instance-store";

/** Tables of the instances' features that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { agentGatewayInvokesTable } from "../gateway-bridge";
export { channelRequestsTable } from "../gateway-channels";
export { skillRequestsTable } from "../gateway-skills";
export { gatewayImportsTable, instancesTable } from "../instance-store";

/**
 * OpenClaw instances, hosted or linked, at work: operations are filed as approvals and run
 * once approved; the gateway bridges (features/gateway-bridge/) follow the instances and
 * their threads. The records they keep are the instance store's (features/instance-store/).
 */
export const instances = defineFeature({
  name: "instances",
  needs: [billing, metering, threads, approvals, instanceStore, gatewayBridge, instanceSleep],
  schedules: ["watchBridges", "backupInstances"],
  build: (s, needs) => {
    const p = new InstanceHost(
      s,
      { spend: needs.billing.spend, meters: needs.metering },
      needs.gatewayBridge,
      needs.instanceSleep,
    );
    // What an hour of a hosted instance costs: a start's approval says it (and what a month would be).
    const hourly = needs.billing.config.prices.instanceHour;
    // Linked gateways' tokens at rest (instance-store/gateway-links.ts).
    const tokens = () => linkTokens(s.env.BETTER_AUTH_SECRET, s.workspaceId());
    // An operation a person or key asked for acts for them (every instance operation takes
    // `write`); one the Autopilot's run asked for is the agent's to tell.
    needs.approvals.actingFor((_sql, approval) =>
      approval.action?.kind === "instance" && isAccessPrincipal(approval.requestedBy)
        ? { principal: { ...approval.requestedBy, scopes: [] }, scope: "write" }
        : undefined,
    );
    // A decision on a gateway's request reaches the gateway before the room records it.
    // One whose gateway went to sleep anyway (stopped outside the room's sweep, which keeps an
    // instance with a request waiting awake) is woken by it, and answered at once that it is
    // waking: the person decides again once it shows connected, and what the gateway kept of
    // the request decides then (decision 78). A wait here would outlast a client's request.
    needs.approvals.prepareDecision(GATEWAY_ACTION_KINDS, (_req, approval, decision) => {
      const instanceId = gatewayActionOf(approval)?.instanceId;
      if (instanceId && getInstance(s.sql, instanceId)?.sleep?.state === "asleep") needs.instanceSleep.wake(instanceId);
      return prepareGatewayDecision(
        { sql: s.sql, commit: s.commit, decisionsFor: (id) => p.bridges.get(id)?.decisions },
        approval,
        decision,
      );
    });
    const guarded = <R extends { approval: Approval }>(ctx: OpContext, result: R): R => {
      const action = result.approval.action;
      if (action?.kind === "instance") p.guardStart(ctx, action.instanceId);
      return result;
    };
    return {
      api: p,
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
        "instances.link": mutate((ctx, params) => requestLink(ctx, params, p.bridges.linkPolicy(), tokens())),
        "instances.details": local((_req, params) => p.instanceDetails(params.instanceId)),
        // A new model is set on the gateway first (it validates and reloads); the rename, if any, is the room's.
        "instances.update": mutate(
          (ctx, params) => {
            if (params.name === undefined && params.model === undefined)
              throw new RoomError("bad_request", "nothing to change: give a name or a model");
            return renameInstance(ctx, params);
          },
          (_req, params) =>
            params.model === undefined
              ? undefined
              : setInstanceModel(
                  requireInstance(s.sql, params.instanceId),
                  p.bridges.get(params.instanceId),
                  params.model,
                ).then(() => () => {}),
        ),
        "instances.models": local((_req, params) =>
          instanceModels(requireInstance(s.sql, params.instanceId), p.bridges.get(params.instanceId)),
        ),
        "instances.guide": local((_req, params) => ({ text: guideText(params.path) })),
        "sessions.history": local((_req, params) => sessionHistory(s.sql, p.bridges, params)),
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
      // Rows from before linked gateways' tokens were sealed are sealed before any bridge reads them.
      start: () => {
        sealPlainLinks(s.sql, tokens());
        return p.start();
      },
    };
  },
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
