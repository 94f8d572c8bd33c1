import { defineFeature } from "../../kernel/feature";
import { methods, mutate, query } from "../../kernel/handlers";
import { readOwnMessage, threads } from "../threads";
import { listSessions, openSession, sendToSession } from "./gateway";
import { queueIfForGateway } from "./gateway-outbox";
import { attachInstance, listInstances } from "./instances";

// What the instances' other features (and the agent, canvas, inbox…) use of the records.
export { instanceActor, gatewayUserActor } from "./gateway-actors";
export { gatewayDialUrl, type LinkPolicy, type LinkPolicyVars, readLinkPolicy } from "./gateway-address";
export {
  type Binding,
  bindingForSession,
  bindingForThread,
  bindingsOf,
  bindThread,
  setCursor,
  unbindThread,
} from "./gateway-bindings";
export {
  activateLink,
  dropLink,
  dropLinkRequest,
  type GatewayLink,
  gatewayLink,
  linkTokens,
  type LinkTokens,
  requestLink,
  sealPlainLinks,
} from "./gateway-links";
export {
  awaitingReply,
  isOurMessage,
  markOutbound,
  type Outbound,
  queueForGateway,
  queuedFor,
  sendChat,
} from "./gateway-outbox";
export {
  allSessions,
  approvalForRequest,
  forgetInstance,
  type GatewayRequest,
  getDeviceDoc,
  listSessions,
  markImported,
  pendingGatewayApprovals,
  putDeviceDoc,
  putSessions,
  recordGatewayRequest,
  refuseOwnDevice,
  settleGatewayRequest,
  wasImported,
} from "./gateway";
export {
  askedIn,
  type HeldAsk,
  heldJson,
  type HeldReader,
  heldRequests,
  type HeldSettle,
  type HeldSettleDeps,
  settleHeld,
} from "./held-requests";
export { mirrorStatus } from "./instance-status";
export {
  attachInstance,
  getInstance,
  INSTANCE_APPROVAL_TTL_MS,
  listInstances,
  putInstance,
  refuseBusy,
  renameInstance,
  requestInstanceOperation,
  requireInstance,
} from "./instances";
export { gatewayNotConnected } from "./not-connected";
export { RuntimeClient, type RuntimeInstanceStatus, runtimeFromEnv } from "./runtime-client";

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { gatewayImports as gatewayImportsTable, instances as instancesTable } from "./tables";

/**
 * The OpenClaw instances as the room records them, and their gateways' sessions bound to
 * threads: the reads and writes that need no live gateway. A message for a gateway thread is
 * queued with it (the bridge, features/gateway-bridge/, sends it).
 */
export const instanceStore = defineFeature({
  name: "instanceStore",
  needs: [threads],
  build: (_s, needs) => {
    needs.threads.onSend(queueIfForGateway);
    return {
      methods: methods({
        "instances.attach": mutate((ctx, params) => attachInstance(ctx, params, true)),
        "instances.detach": mutate((ctx, params) => attachInstance(ctx, params, false)),
        "instances.list": query((sql) => ({ instances: listInstances(sql) })),
        "sessions.list": query((sql, params) => listSessions(sql, params.instanceId)),
        "sessions.open": mutate(openSession),
        // As chat.send: the sender has read their own message.
        "sessions.send": mutate((ctx, p) => {
          const sent = sendToSession(ctx, p);
          // The thread as it is after the send (sendToSession reads it again).
          readOwnMessage(ctx.sql, ctx.principal.id, sent.thread.id, sent.message.n, sent.thread.messageCount, ctx.now);
          return sent;
        }),
      }),
    };
  },
});
