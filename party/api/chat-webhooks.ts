import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ChatPlatform } from "../../shared/protocol/chats";
import { workspaceById } from "../auth/better-auth-reads";
import { CHATS_PREFIX, SECRET_HEADER } from "../rooms/autopilot/features/chats";
import { type ApiEnv, authOf } from "./context";

/** The largest update the room reads: Telegram's are a few KB (a 4096-character message at most). */
const MAX_UPDATE_BYTES = 64 * 1024;

/**
 * A chat platform's webhook (features/chats/): open to anyone, believed only with the secret
 * the room gave the platform when the workspace was connected (Telegram sends it back in a
 * header). The room checks it against the SHA-256 it keeps; a request without it, or with
 * another, is a 401 and changes nothing. Anything the room handled or chose to ignore is a 200,
 * so the platform does not send it again.
 */
export const chatWebhookApi = new Hono<ApiEnv>().post(
  `${CHATS_PREFIX}/:platform/:ws`,
  bodyLimit({ maxSize: MAX_UPDATE_BYTES, onError: (c) => c.text("too large", 413) }),
  async (c) => {
    const platform = ChatPlatform.safeParse(c.req.param("platform"));
    const ws = c.req.param("ws");
    const secret = c.req.header(SECRET_HEADER) ?? "";
    if (!platform.success || ws.length > 100) return c.text("not found", 404);
    if (!secret) return c.text("unauthorized", 401);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.text("bad request", 400);
    }
    // Never a room for an id nobody made.
    if (!(await workspaceById(authOf(c), ws))) return c.text("not found", 404);
    const { status } = await c.env.Autopilot.getByName(ws).chatWebhook({ platform: platform.data, secret, body });
    return c.text(status === 200 ? "ok" : status === 401 ? "unauthorized" : "not found", status);
  },
);
