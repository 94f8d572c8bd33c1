import type { BridgeLink } from "./bridge-link";
import type { CatchUp } from "./catch-up";
import type { ChatRuns } from "./chat-runs";
import type { Decisions } from "./decisions";
import { execOutcome } from "./decisions";
import { ExecApprovalRequest, ExecApprovalResolved, PairRequest, PairResolved } from "./gateway-frames";

/**
 * Sessions and presence change in bursts (a node connects, then reports its surface): each is
 * acted on once per burst, this long after its first event.
 */
const BURST_MS = 300;
/** The gateway's `health` event comes often; channel pairing is re-read at most this often. */
const CHANNELS_RECHECK_MS = 60_000;

/** Runs `fn` once, BURST_MS after the first of a burst of `schedule()` calls. */
class OncePerBurst {
  #timer: ReturnType<typeof setTimeout> | null = null;
  constructor(private readonly fn: () => void) {}
  schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.fn();
    }, BURST_MS);
  }
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** The gateway's events as they arrive, each to the part of the bridge that owns it. */
export class LiveEvents {
  readonly #link: BridgeLink;
  readonly #runs: ChatRuns;
  readonly #catchUp: CatchUp;
  readonly #decisions: Decisions;
  /** Re-reads the sessions: `sessions.changed` says that they changed, not what they are. */
  readonly #sessions = new OncePerBurst(() => {
    const connection = this.#link.live;
    if (connection)
      void this.#catchUp.refreshSessions(connection).catch((error) => this.#link.log("sessions.list failed", error));
  });
  /** Tells clients to re-read the instance's devices and nodes (the lists stay the gateway's). */
  readonly #devices = new OncePerBurst(() =>
    this.#link.deps.broadcast("instance.devices", { instanceId: this.#link.instanceId }),
  );

  constructor(link: BridgeLink, runs: ChatRuns, catchUp: CatchUp, decisions: Decisions) {
    this.#link = link;
    this.#runs = runs;
    this.#catchUp = catchUp;
    this.#decisions = decisions;
  }

  stop(): void {
    this.#sessions.stop();
    this.#devices.stop();
  }

  onEvent(event: string, payload: unknown): void {
    switch (event) {
      case "chat":
        return this.#runs.onChat(payload);
      case "agent":
        return this.#runs.onAgent(payload);
      case "exec.approval.requested": {
        const request = ExecApprovalRequest.safeParse(payload);
        if (request.success) this.#decisions.recordExec(request.data);
        return;
      }
      case "exec.approval.resolved": {
        const resolved = ExecApprovalResolved.safeParse(payload);
        if (resolved.success) this.#decisions.settledInGateway(resolved.data.id, ...execOutcome(resolved.data));
        return;
      }
      case "device.pair.requested":
      case "node.pair.requested": {
        const request = PairRequest.safeParse(payload);
        if (request.success)
          this.#decisions.recordPairing(event.startsWith("device") ? "device" : "node", request.data);
        return;
      }
      case "device.pair.resolved":
      case "node.pair.resolved": {
        const resolved = PairResolved.safeParse(payload);
        if (resolved.success)
          this.#decisions.settledInGateway(
            resolved.data.requestId,
            resolved.data.decision === "approved" ? "approved" : "denied",
          );
        return this.#devices.schedule();
      }
      // Who is connected (nodes included) or paired changed: the lists in the details are stale.
      case "presence":
      case "node.presence":
      case "device.pair.changed":
        return this.#devices.schedule();
      case "sessions.changed":
        return this.#sessions.schedule();
      case "health": {
        const connection = this.#link.live;
        if (connection && Date.now() - this.#catchUp.channelsCheckedAt > CHANNELS_RECHECK_MS)
          void this.#catchUp
            .reconcileChannelPairing(connection)
            .catch((error) => this.#link.log("channels.pairing.list failed", error));
        return;
      }
    }
  }
}
