import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate } from "../../kernel/handlers";
import { gatewayBridge } from "../gateway-bridge";
import {
  requestChannelAccess,
  channelSecrets,
  requestConfigureChannel,
  sealPlainChannelSecrets,
  requestDisconnectChannel,
  requestLinkWhatsApp,
} from "./requests";
import { cancelWhatsAppLogin, instanceChannels, instanceWhatsAppLogin } from "./status";
import { refreshChannels } from "./summary";

/** The bridges whose channels were read since they last connected. */
const read = new WeakSet<object>();

// What the instances' operations use of the channels: a decided change runs, a deleted instance drops its requests.
export type { GatewayCaller } from "./gateway";
export { type ChannelOperationDeps, settleChannelApproval } from "./operations";
export { dropChannelRequests } from "./requests";
/** After a channel change ran: the instance's channels as the gateway has them now, onto its record. */
export { changedAccount, refreshChannels } from "./summary";
/** Gateway words for every reader: token shapes cut out (the skills' status and errors use it too). */
export { redactedText, redactedTextField } from "./token-shapes";
/** A read of an instance's live gateway, its failure in words (the skills' status reads through it too). */
export { type ChannelsDeps, type GatewayReader, readGatewayConfig, readThroughGateway } from "./status";

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { channelRequests as channelRequestsTable } from "./tables";

/**
 * An instance's chat channels (Slack, Telegram… as OpenClaw runs them), read and changed
 * through its gateway's own methods: a change is filed as an approval holding no token, and
 * runs once approved (the instances feature settles it: features/instances/host.ts).
 */
export const gatewayChannels = defineFeature({
  name: "gatewayChannels",
  needs: [gatewayBridge],
  build: (s, { gatewayBridge: { bridges } }) => {
    // Waiting channel tokens at rest (requests.ts).
    const secrets = () => channelSecrets(s.env.BETTER_AUTH_SECRET, s.workspaceId());
    return {
      reactions: {
        // A bridge that connects: its channels as the gateway has them now, onto the instance (summary.ts).
        "instance.updated": ({ instance }) => {
          const bridge = bridges.get(instance.id);
          if (!bridge) return;
          // Once per connection: dropped with it, so the next one reads again.
          if (instance.bridge !== "connected") read.delete(bridge);
          if (instance.bridge !== "connected" || !bridge.connected || read.has(bridge)) return;
          read.add(bridge);
          void s.keepAliveWhile(() => refreshChannels(s.commit, instance.id, bridge.channels));
        },
      },
      methods: methods({
        "instances.channels": local((_req, params) =>
          instanceChannels({ sql: s.sql, bridge: bridges.get(params.instanceId), commit: s.commit }, params.instanceId),
        ),
        "instances.configureChannel": mutate((ctx, params) => requestConfigureChannel(ctx, params, secrets())),
        "instances.disconnectChannel": mutate(requestDisconnectChannel),
        "instances.setChannelAccess": mutate(requestChannelAccess),
        "instances.linkWhatsApp": mutate(requestLinkWhatsApp),
        "instances.whatsAppLogin": local((req, params) =>
          instanceWhatsAppLogin(s.sql, bridges.get(params.instanceId), params.instanceId, req.principal),
        ),
        "instances.cancelWhatsAppLogin": local((req, params) =>
          cancelWhatsAppLogin(s.sql, bridges.get(params.instanceId), params.instanceId, req.principal, req.now),
        ),
      }),
      // Requests filed before tokens were sealed are sealed before any is settled.
      start: () => sealPlainChannelSecrets(s.sql, secrets()),
    };
  },
});
