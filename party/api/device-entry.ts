// The public device entry: `/devices/<workspaceId>/<instanceId>` (Upgrade: websocket) → the
// runtime's `…/:id/device` → that hosted instance's gateway. Devices and nodes speak the
// gateway's own protocol and authenticate to it with its own pairing (a setup code's
// bootstrap token, then their device token), so the entry asks for no cookie and no key and
// adds no credential of ours: the service token stays between this Worker and the runtime,
// and no request header of the device's goes further (runtime-client.ts builds its own).
// What the entry itself enforces: the instance exists in that workspace, is hosted and ready
// (the Autopilot room says), and each connection's frames are bounded in size and rate.
import { type WorkerRoute, under } from "../worker-route";
import { instanceIdSchema, workspaceIdSchema } from "../../shared/runtime/requests";
import { authFor } from "../auth/auth";
import { workspaceById } from "../auth/better-auth-reads";
import { consumeDeviceConnectQuota } from "../auth/rate-limits";
import type { Env } from "../env";
import { runtimeFromEnv } from "../rooms/autopilot/features/instance-store/runtime-client";
import { type DeviceEntryState, pipeDeviceSocket } from "../rooms/autopilot/features/devices/pipe";
import { roomCall } from "../room-rpc";

export const DEVICE_ENTRY_PREFIX = "/devices/";

/** The ids of `/devices/<workspaceId>/<instanceId>`, or null for any other path. */
export function parseDevicePath(pathname: string): { workspaceId: string; instanceId: string } | null {
  const parts = pathname.slice(DEVICE_ENTRY_PREFIX.length).split("/");
  if (!pathname.startsWith(DEVICE_ENTRY_PREFIX) || parts.length !== 2) return null;
  const [workspaceId, instanceId] = parts;
  if (!workspaceIdSchema.safeParse(workspaceId).success || !instanceIdSchema.safeParse(instanceId).success) return null;
  return { workspaceId: workspaceId as string, instanceId: instanceId as string };
}

const plain = (status: number, text: string): Response =>
  new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
// One answer for an unknown workspace and an unknown instance: the entry is public.
const NOT_FOUND = () => plain(404, "no such device entry");

export async function handleDeviceEntry(request: Request, env: Env): Promise<Response> {
  const path = parseDevicePath(new URL(request.url).pathname);
  if (!path) return NOT_FOUND();
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
    return plain(426, "the device entry is a WebSocket: send Upgrade: websocket");
  const wait = await consumeDeviceConnectQuota(env, request);
  if (wait !== null)
    return new Response(`too many connections from this address: retry in ${wait} s`, {
      status: 429,
      headers: { "retry-after": String(wait), "cache-control": "no-store" },
    });
  // D1 first: the room is addressed by name, and asking a room that has no workspace would create it.
  if (!(await workspaceById(authFor(env, request), path.workspaceId))) return NOT_FOUND();
  const state: DeviceEntryState = await roomCall(
    env.Autopilot.getByName(path.workspaceId),
    "deviceEntryState",
    path.instanceId,
  );
  if (state === "not_found") return NOT_FOUND();
  if (state === "not_ready") return plain(503, "the instance is not ready");
  const runtime = runtimeFromEnv(env);
  if (!runtime) return plain(503, "no OpenClaw runtime is configured");
  let upstream: WebSocket;
  try {
    upstream = await runtime.openSocket(
      path.workspaceId,
      path.instanceId,
      "device",
      request.headers.get("cf-connecting-ip"),
    );
  } catch {
    return plain(502, "the instance's gateway cannot be reached");
  }
  const pair = new WebSocketPair();
  pipeDeviceSocket(pair[1], upstream);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** Devices and nodes: no cookie or key, the gateway's own pairing. */
export const deviceEntryRoute: WorkerRoute = {
  name: "device entry",
  matches: under(DEVICE_ENTRY_PREFIX),
  handle: (request, env) => handleDeviceEntry(request, env),
};
