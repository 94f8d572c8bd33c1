// The chats' route in the Worker, which the feature declares (`workerRoutes`): a platform's
// request reaches the workspace's room, where it is believed or not.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ChatPlatform } from "../../../../../shared/protocol/chats";
import { type ApiEnv, authOf } from "../../../../api/context";
import { workspaceById } from "../../../../auth/better-auth-reads";
import type { Offered } from "../../kernel/feature";
import { roomCall } from "../../../../room-rpc";
import { type WorkerRoute, under } from "../../../../worker-route";
import { gatherPlatforms, proofHeadersOf } from "./platforms";

/** Where platforms send their requests: `/chats/<platform>/<workspace>`. */
export const CHATS_PREFIX = "/chats";

/** The largest request the room reads: Telegram's updates and Slack's payloads are a few KB. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * A chat platform's requests (features/chats/): open to anyone, believed only by the room,
 * which checks them against what it keeps (Telegram: the SHA-256 of the secret it gave
 * Telegram; Slack: the signature over the raw body, with the app's signing secret). The body
 * goes to the room as it came, since Slack signs the bytes. A request that does not prove
 * itself is a 401 and changes nothing; anything the room handled or chose to ignore is a 200,
 * so the platform does not send it again; Slack's check of a new URL gets its challenge back.
 */
export function chatWebhookRoute(offered: Offered): WorkerRoute {
  // The platforms the room's features offer, and the headers they prove their requests with: the only ones passed on.
  const PLATFORMS = gatherPlatforms(offered);
  const PROOF_HEADERS = proofHeadersOf(PLATFORMS);
  const app = new Hono<ApiEnv>().post(
    `${CHATS_PREFIX}/:platform/:ws`,
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.text("too large", 413) }),
    async (c) => {
      const platform = ChatPlatform.safeParse(c.req.param("platform"));
      const ws = c.req.param("ws");
      if (!platform.success || !PLATFORMS[platform.data] || ws.length > 100) return c.text("not found", 404);
      const headers: Record<string, string> = {};
      for (const name of PROOF_HEADERS) {
        const value = c.req.header(name);
        if (value !== undefined) headers[name] = value.slice(0, 300);
      }
      if (Object.keys(headers).length === 0) return c.text("unauthorized", 401);
      const body = await c.req.text();
      // Never a room for an id nobody made.
      if (!(await workspaceById(authOf(c), ws))) return c.text("not found", 404);
      const request = { body, contentType: c.req.header("content-type") ?? "", headers };
      const outcome = await roomCall(c.env.Autopilot.getByName(ws), "chatWebhook", {
        platform: platform.data,
        request,
      });
      if (outcome.json) return c.json(outcome.json, 200);
      return c.text(
        outcome.status === 200 ? "ok" : outcome.status === 401 ? "unauthorized" : "not found",
        outcome.status,
      );
    },
  );
  // No session: believed by the room against what it keeps of the connection.
  return {
    name: "chat webhooks",
    matches: under(`${CHATS_PREFIX}/`),
    handle: (request, env, ctx) => app.fetch(request, env, ctx),
  };
}
