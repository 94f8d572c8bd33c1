import { RoomError } from "../../../../domain/errors";
import { gatewayDialUrl, type GatewayLink, type LinkPolicy, type RuntimeInstanceStatus } from "../instance-store";
import type { BridgeRuntime } from "./bridge-link";

/**
 * A gateway its users run elsewhere, seen by the bridge through the same surface as our
 * runtime: it is always "ready" (whether it answers is the bridge's connection state, as
 * for a hosted gateway that crashed), its credential is the token linked with it, and its
 * socket is dialled directly instead of through the runtime's proxy. So the bridge does
 * the same handshake, device pairing and catch-up for both (runtime/BRIDGE.md).
 */
export function linkedGatewayDialer(link: GatewayLink, workspaceId: string, policy: () => LinkPolicy): BridgeRuntime {
  const now = new Date().toISOString();
  const ready: RuntimeInstanceStatus = {
    workspaceId,
    instanceId: link.instanceId,
    state: "ready",
    phase: "ready",
    progress: 100,
    phases: [],
    port: null,
    pid: null,
    gatewayVersion: null,
    createdAt: now,
    startedAt: null,
    readyAt: null,
    startupMs: null,
    restarts: 0,
    restoredFrom: null,
    error: null,
    version: 1,
  };
  return {
    status: async () => ready,
    provision: async () => {
      throw new RoomError(
        "conflict",
        `instance ${link.instanceId} is a linked gateway: it is not started by the Autopilot`,
      );
    },
    credentials: async () => ({ token: link.token() }),
    openGateway: async () => {
      // Checked again at every dial: the operator may have turned private addresses off since.
      const target = gatewayDialUrl(link.url, policy());
      const host = new URL(target).host;
      let response: Response;
      try {
        // No Origin and no forwarded headers: the gateway refuses a browser Origin it does
        // not know and X-Forwarded-For from a proxy it does not trust. No redirects: the
        // address was checked, a Location it answers with was not.
        response = await fetch(target, { headers: { upgrade: "websocket" }, redirect: "manual" });
      } catch (error) {
        console.warn(
          JSON.stringify({
            msg: "linked gateway unreachable",
            workspace: workspaceId,
            instance: link.instanceId,
            host,
            error: String(error),
          }),
        );
        throw new RoomError("unavailable", `the linked gateway at ${host} is unreachable`);
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        throw new RoomError(
          "bad_request",
          `the linked gateway at ${host} answered with a redirect (HTTP ${response.status}); redirects are not followed: link the gateway's own WebSocket address`,
          {
            reason: "redirect",
            status: response.status,
          },
        );
      }
      const socket = response.webSocket;
      if (!socket)
        throw new RoomError(
          "unavailable",
          `the linked gateway at ${host} refused the WebSocket (HTTP ${response.status}): is the URL the gateway's WebSocket address?`,
        );
      return socket;
    },
  };
}
