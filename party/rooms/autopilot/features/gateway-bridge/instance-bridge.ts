import { Backoff } from "../../../../../shared/backoff";
import type { ChatStream, SessionMessage } from "../../../../../shared/protocol/gateway";
import type { Instance, PairedDevice, PairedNode } from "../../../../../shared/protocol/instances";
import { RoomError } from "../../../../domain/errors";
import {
  getDeviceDoc,
  getInstance,
  mirrorStatus,
  putDeviceDoc,
  putInstance,
  type RuntimeInstanceStatus,
} from "../instance-store";
import { BridgeLink, type BridgeDeps } from "./bridge-link";
import { CatchUp } from "./catch-up";
import { ChatRuns } from "./chat-runs";
import { Decisions } from "./decisions";
import { createDeviceIdentity, type DeviceIdentity } from "./device-identity";
import { deviceSetupCode, invokeNode, pairedDevices, pairedNodes, unpairDevice } from "./device-requests";
import { GatewayConnection, GatewayRequestError } from "./gateway-connection";
import { isDeviceTokenRejected } from "./gateway-errors";
import { LiveEvents } from "./live-events";
import { Outbox } from "./outbox";
import type { GatewayCatalogEntry, GatewayToolOutcome } from "./gateway-frames";
import { invokeTool, toolsCatalog } from "./gateway-tools";
import { abortRun, sessionHistory } from "./session-requests";

/**
 * `operator.admin` is required, not just `operator.approvals`: the gateway shows an agent
 * run's exec approvals only to admin connections, and with no one to ask it denies every
 * command at once (runtime/BRIDGE.md, Q1). Asked for on first pairing, because a later
 * scope upgrade raises a repair request.
 */
export const BRIDGE_SCOPES = [
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
  "operator.admin",
] as const;
const BRIDGE_CAPS = ["tool-events", "approvals"] as const;
const LONG_POLL_MS = 20_000;
/** The close code (RFC 6455) a gateway sends when it shuts down to restart. */
const SERVICE_RESTART = 1012;
/** A connection that lasted this long resets the reconnect backoff. */
const STABLE_CONNECTION_MS = 30_000;
/** How long a gateway that refuses for now (draining for a restart) is shown connecting, not offline. */
const RESTART_REFUSALS_MS = 60_000;

/**
 * The Autopilot's link to one OpenClaw instance: keeps a gateway connection up (waiting
 * for the runtime to report the gateway ready, reconnecting with jittered backoff) and
 * after every (re)connect runs the catch-up before the outbox may send. What happens on
 * the connection lives in its own parts: chat-runs, decisions, catch-up, live-events,
 * outbox, session-requests.
 */
export class InstanceBridge {
  readonly #link: BridgeLink;
  readonly #runs: ChatRuns;
  readonly decisions: Decisions;
  readonly #catchUp: CatchUp;
  readonly #live: LiveEvents;
  readonly #outbox: Outbox;
  /** Cancels the status long-poll when the bridge stops. */
  readonly #abort = new AbortController();
  #backoff = new Backoff({ baseMs: 500, capMs: 15_000 });
  #wake: (() => void) | null = null;
  /** What the connected gateway said of itself in its hello; null while not connected. */
  #gateway: GatewayInfo | null = null;
  /** Since when the gateway has refused the connect or the catch-up for now (null: it has not). */
  #refusingSince: number | null = null;

  constructor(deps: BridgeDeps) {
    this.#link = new BridgeLink(deps);
    this.#runs = new ChatRuns(this.#link);
    this.decisions = new Decisions(this.#link, (toolCallId, command) =>
      this.#runs.rememberCommand(toolCallId, command),
    );
    this.#catchUp = new CatchUp(this.#link, this.#runs, this.decisions);
    this.#live = new LiveEvents(this.#link, this.#runs, this.#catchUp, this.decisions);
    this.#outbox = new Outbox(this.#link, this.#catchUp);
  }

  get connected(): boolean {
    return this.#link.live !== null;
  }

  /** The connected gateway's version and since when we are connected (a linked gateway's details). */
  get gateway(): GatewayInfo | null {
    return this.#link.live ? this.#gateway : null;
  }

  get streams(): ChatStream[] {
    return this.#runs.streams;
  }

  start(): void {
    void this.#run();
  }

  stop(): void {
    this.#link.stopped = true;
    this.#abort.abort();
    this.#link.connection?.close(1000, "instance removed from the Autopilot");
    this.#wake?.();
    this.#live.stop();
    this.#outbox.stop();
  }

  /** Sends the instance's queued messages (e.g. one just posted to a gateway thread). */
  flush(): Promise<void> {
    return this.#outbox.flush();
  }

  /** Reads a newly bound thread's session history (sessions.open) if we are connected. */
  syncThread(threadId: string): void {
    this.#catchUp.syncThread(threadId);
  }

  abort(threadId: string): Promise<{ aborted: boolean; runIds: string[] }> {
    return abortRun(this.#link, threadId);
  }

  history(sessionKey: string, limit: number): Promise<SessionMessage[]> {
    return sessionHistory(this.#link, sessionKey, limit);
  }

  /** The devices paired with the gateway (refused while the gateway is not connected). */
  pairedDevices(): Promise<PairedDevice[]> {
    const { sql, instanceId } = this.#link.deps;
    return pairedDevices(this.#link, getDeviceDoc<DeviceIdentity>(sql, instanceId)?.deviceId ?? null);
  }

  /** The nodes paired with the gateway (refused while the gateway is not connected). */
  pairedNodes(): Promise<PairedNode[]> {
    return pairedNodes(this.#link);
  }

  /** A setup code naming the device entry (`instances.deviceSetup`). */
  deviceSetupCode(publicUrl: string): Promise<{ setupCode: string; expiresAtMs: number; qr: string | null }> {
    return deviceSetupCode(this.#link, publicUrl);
  }

  /** One command on a paired node (`instances.invokeNode`). */
  invokeNode(call: Parameters<typeof invokeNode>[1]): Promise<{ ok: boolean; output: string }> {
    return invokeNode(this.#link, call);
  }

  /** The gateway's methods for an instance's channels (party/rooms/autopilot/features/gateway-channels/gateway.ts): refused while it is not connected. */
  get channels(): { request(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<unknown> } {
    return { request: (method, params, timeoutMs) => this.#link.open().request(method, params, timeoutMs) };
  }

  /** Removes a device's pairing from the gateway (an approved `instances.unpair`). */
  unpair(deviceId: string): Promise<void> {
    return unpairDevice(this.#link, deviceId);
  }

  /** The gateway's tool catalog (refused while the gateway is not connected). */
  toolsCatalog(): Promise<GatewayCatalogEntry[]> {
    return toolsCatalog(this.#link);
  }

  /** One gateway tool call; at most once is the caller's part (the gateway does not dedupe). */
  invokeTool(request: Parameters<typeof invokeTool>[1]): Promise<GatewayToolOutcome> {
    return invokeTool(this.#link, request);
  }

  async #run(): Promise<void> {
    const link = this.#link;
    while (!link.stopped) {
      try {
        await this.#waitUntilReady();
        if (link.stopped) break;
        this.#setBridge("connecting", null);
        const { connection, serverVersion } = await this.#connect();
        // stop() may have landed while we were connecting: this connection must not live on.
        if (link.stopped) {
          connection.close(1000, "instance removed from the Autopilot");
          break;
        }
        const openedAt = Date.now();
        link.connection = connection;
        this.#gateway = { version: serverVersion, connectedAt: openedAt };
        link.caughtUp = false;
        this.#setBridge("connected", null);
        await this.#catchUp.run(connection);
        link.caughtUp = true;
        this.#refusingSince = null;
        void this.#outbox.flush();
        const closed = await connection.closed;
        link.connection = null;
        this.#gateway = null;
        // A link that dies right after the handshake (or a catch-up that keeps failing)
        // must back off like any failure, not reconnect in a tight loop.
        if (Date.now() - openedAt > STABLE_CONNECTION_MS) this.#backoff.reset();
        this.#runs.interrupt();
        if (link.stopped) break;
        // 1012 (Service Restart) is the gateway saying it restarts: a phase the bridge
        // reconnects through, not a failure to show.
        if (closed.code === SERVICE_RESTART) this.#setBridge("connecting", null);
        else
          this.#setBridge(
            "offline",
            `the gateway connection closed (${closed.code}${closed.reason ? `: ${closed.reason}` : ""})`,
          );
        // Show why right away (e.g. "the gateway exited unexpectedly"), not after a poll.
        await this.#refreshStatus().catch(() => {});
      } catch (error) {
        // Nothing in here may throw: the loop is the bridge's only way back.
        try {
          link.connection?.close(1000, "bridge error");
          link.connection = null;
          this.#runs.interrupt();
          if (link.stopped) break;
          link.log("bridge connection failed", error);
          this.#setBridge(...this.#failure(error));
        } catch (inner) {
          link.log("bridge recovery failed", inner);
        }
      }
      await this.#sleep(this.#backoff.next());
    }
  }

  /**
   * How a failed connect or catch-up shows. A gateway that refuses for now and says to ask
   * again (`UNAVAILABLE`, retryable: it drains for a restart, which its own requests may
   * meet before its socket closes with 1012) is a phase the bridge reconnects through, as a
   * 1012 close is; one that keeps refusing past RESTART_REFUSALS_MS shows offline, with why.
   */
  #failure(error: unknown): [NonNullable<Instance["bridge"]>, string | null] {
    if (error instanceof GatewayRequestError && error.retryable) {
      this.#refusingSince ??= Date.now();
      if (Date.now() - this.#refusingSince < RESTART_REFUSALS_MS) return ["connecting", null];
    }
    return ["offline", describe(error)];
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Mirrors the runtime's status into the instance until the gateway is ready (long-poll). */
  async #waitUntilReady(): Promise<void> {
    const { runtime, workspaceId, instanceId } = this.#link.deps;
    let version = 0;
    for (;;) {
      const status = await runtime
        .status(workspaceId, instanceId, version, version === 0 ? 0 : LONG_POLL_MS, this.#abort.signal)
        .catch(async (error: unknown) => {
          // The runtime restarted and no longer runs this instance: start it again from its
          // state (provisioning is idempotent and keeps the state dir) — unless the instance
          // is being deleted, which is exactly when the runtime answers not_found too.
          if (this.#link.stopped || !(error instanceof RoomError) || error.details?.runtimeCode !== "not_found")
            throw error;
          this.#link.log("the runtime does not run this instance any more: starting it again", null);
          return runtime.provision(workspaceId, instanceId);
        });
      if (this.#link.stopped) return;
      version = status.version;
      this.#mirror(status);
      if (status.state === "ready") return;
    }
  }

  async #refreshStatus(): Promise<void> {
    const { runtime, workspaceId, instanceId } = this.#link.deps;
    this.#mirror(await runtime.status(workspaceId, instanceId, 0, 0));
  }

  #mirror(status: RuntimeInstanceStatus): void {
    // The operation's watch mirrors what follows the runtime's answer (e.g. a restart).
    if (this.#link.stopped || this.#link.deps.statusOnHold?.()) return;
    const { sql, commit, instanceId } = this.#link.deps;
    mirrorStatus({ sql, commit }, instanceId, status);
  }

  async #connect(): Promise<{ connection: GatewayConnection; serverVersion: string | null }> {
    const { runtime, workspaceId, instanceId, sql } = this.#link.deps;
    let device = getDeviceDoc<DeviceIdentity>(sql, instanceId);
    if (!device) {
      device = await createDeviceIdentity();
      putDeviceDoc(sql, instanceId, device);
    }
    const auth = device.deviceToken
      ? { deviceToken: device.deviceToken }
      : { token: (await runtime.credentials(workspaceId, instanceId)).token };
    const socket = await runtime.openGateway(workspaceId, instanceId);
    try {
      const { connection, hello } = await GatewayConnection.open(socket, {
        device,
        auth,
        scopes: BRIDGE_SCOPES,
        caps: BRIDGE_CAPS,
        mode: device.deviceToken ? "backend" : "ui",
        onEvent: (event, payload) => this.#live.onEvent(event, payload),
        maxFrameBytes: this.#link.limits.maxFrameBytes,
      });
      if (!BRIDGE_SCOPES.every((s) => hello.scopes.includes(s)))
        this.#link.log("gateway granted fewer scopes than asked", hello.scopes);
      if (!device.deviceToken && !hello.deviceToken)
        this.#link.log("the gateway paired the device but issued no device token", null);
      console.log(
        JSON.stringify({
          msg: "gateway connected",
          workspace: workspaceId,
          instance: instanceId,
          device: device.deviceId.slice(0, 12),
          auth: hello.method,
        }),
      );
      if (hello.deviceToken && hello.deviceToken !== device.deviceToken)
        putDeviceDoc(sql, instanceId, { ...device, deviceToken: hello.deviceToken });
      return { connection, serverVersion: hello.serverVersion };
    } catch (error) {
      // A device token the gateway no longer knows: forget it, so the next attempt pairs
      // again with the gateway token.
      if (device.deviceToken && isDeviceTokenRejected(error))
        putDeviceDoc(sql, instanceId, { ...device, deviceToken: null });
      throw error;
    }
  }

  #setBridge(bridge: NonNullable<Instance["bridge"]>, error: string | null): void {
    this.#link.room(null, (ctx) => {
      const instance = getInstance(ctx.sql, this.#link.instanceId);
      if (!instance || instance.status === "stopped") return;
      if (instance.bridge === bridge && (instance.bridgeError ?? null) === error) return;
      putInstance(ctx, { ...instance, bridge, bridgeError: error, updatedAt: ctx.now });
    });
  }
}

export interface GatewayInfo {
  version: string | null;
  /** Epoch ms. */
  connectedAt: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
