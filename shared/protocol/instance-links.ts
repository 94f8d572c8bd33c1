import { z } from "zod";
import { mutatingParams } from "./common";
import { InstanceId } from "./instances";

export const MAX_GATEWAY_URL_LENGTH = 2048;

/**
 * A gateway's WebSocket address (ws:/wss:, or http:/https: which the room dials the same
 * way). Refused by shape: credentials in the URL (`user:pass@`), a query or fragment (they
 * end up in logs), whitespace. Which hosts a room may dial is the room's own policy
 * (party/rooms/autopilot/features/instance-store/gateway-address.ts): shared code cannot know the deployment.
 */
export const GatewayUrl = z
  .string()
  .trim()
  .max(MAX_GATEWAY_URL_LENGTH)
  .regex(
    /^(?:wss?|https?):\/\/[^\s/?#@\\]+(?:\/[^\s?#\\]*)?$/i,
    "a ws://, wss://, http:// or https:// address without credentials, query or fragment",
  );

/**
 * The gateway's shared token (`gateway.auth.token`). Stored by the room only; no client
 * ever reads it back (not in any answer, event, approval, audit entry or error).
 */
export const GatewayToken = z
  .string()
  .min(16, "the gateway token is at least 16 characters")
  .max(512, "the gateway token is at most 512 characters")
  .regex(/^[\x21-\x7e]+$/, "the gateway token is printable ASCII without spaces");

/** Protocol 7: register a gateway its users run elsewhere (gated like provision). */
export const InstancesLinkParams = mutatingParams({
  instanceId: InstanceId,
  name: z.string().trim().min(1).max(80),
  url: GatewayUrl,
  token: GatewayToken,
});
export type InstancesLinkParams = z.output<typeof InstancesLinkParams>;

/** The two ways to have an OpenClaw here (managed or your own), as the app's guide says them (shared/openclaw-paths.ts). */
export const InstancesGuideParams = z.object({ path: z.enum(["managed", "own"]).optional() });
export const InstancesGuideResult = z.object({ text: z.string().max(20_000) });
