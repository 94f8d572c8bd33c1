import type { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { getApproval, settleApproval } from "../approvals/index";
import type { Commit } from "../../kernel/commit";
import { RoomError } from "../../../../domain/errors";
import {
  bindingForSession,
  gatewayNotConnected,
  type GatewayRequest,
  getInstance,
  pendingGatewayApprovals,
  recordGatewayRequest,
  settleGatewayRequest,
} from "../instance-store";
import type { Sql } from "../../../../domain/sql";
import type { BridgeLink } from "./bridge-link";
import { isGone } from "./gateway-errors";
import {
  ApprovalResolveResult,
  type ChannelPairingList,
  type ExecApprovalRequest,
  type PairRequest,
} from "./gateway-frames";
import { channelApproval, execApproval, pairingApproval } from "./gateway-requests";

export type Decision = "approve" | "deny";
type Settled = "approved" | "denied" | "expired";

/** The words the room records for a request decided by a client of the gateway itself. */
const DECIDED_IN_OPENCLAW = "decided in OpenClaw";

/**
 * How the room records the gateway's `exec.approval.resolved`. A person deciding through a
 * gateway client leaves that client's name; OpenClaw closing the request itself (its run
 * ended, the gateway stopped, its own timeout) leaves none and always denies: nobody decided,
 * so the room records it expired, in words that say so, never as a person's denial.
 */
export function execOutcome(resolved: { decision?: string; resolvedBy?: string | null }): [Settled, string] {
  const decision = resolved.decision ?? "";
  if (decision.startsWith("allow")) return ["approved", DECIDED_IN_OPENCLAW];
  if (decision === "deny" && resolved.resolvedBy) return ["denied", DECIDED_IN_OPENCLAW];
  return ["expired", "OpenClaw closed it before anyone decided (its run ended, the gateway stopped or it timed out)"];
}

/** The approval actions that stand for a gateway request. */
export type GatewayAction = Exclude<NonNullable<Approval["action"]>, { kind: "instance" | "tool" | "spend" }>;

/** The gateway request an approval stands for, if it stands for one. */
export const gatewayActionOf = (approval: Approval): GatewayAction | undefined => {
  const action = approval.action;
  return action && action.kind !== "instance" && action.kind !== "tool" && action.kind !== "spend" ? action : undefined;
};

/**
 * A gateway's requests as room approvals, both ways: what the gateway asks becomes a
 * pending approval, and a person's decision must reach the gateway before the room
 * records it. The gateway arbitrates (the first decision wins there, whoever made it) and
 * answers with the decision that applied. `#deciding` keeps a second concurrent resolve,
 * the gateway's own "resolved" event for this decision, and the catch-up's "no longer
 * listed" out of the way while a decision is on its way.
 */
export class Decisions {
  readonly #link: BridgeLink;
  readonly #onCommand: (toolCallId: string, command: string) => void;
  readonly #deciding = new Set<string>();
  /** Requests refused over the pending cap, for the log. */
  #refused = 0;

  /** `onCommand`: an exec request names the tool call it gates, so its output can show the command. */
  constructor(link: BridgeLink, onCommand: (toolCallId: string, command: string) => void) {
    this.#link = link;
    this.#onCommand = onCommand;
  }

  deciding(requestId: string): boolean {
    return this.#deciding.has(requestId);
  }

  recordExec(request: z.output<typeof ExecApprovalRequest>): void {
    const { sql, instanceId } = this.#link;
    const command = request.request?.command ?? "(command not shown)";
    const sessionKey = request.request?.sessionKey ?? null;
    const toolCallId = (request.request as { toolCallId?: unknown } | undefined)?.toolCallId;
    if (typeof toolCallId === "string") this.#onCommand(toolCallId, command);
    const binding = sessionKey ? bindingForSession(sql, instanceId, sessionKey) : null;
    this.#record(execApproval(this.#instance(), request, binding?.threadId ?? null));
  }

  recordPairing(target: "device" | "node", request: z.output<typeof PairRequest>): void {
    this.#record(pairingApproval(this.#instance(), target, request));
  }

  recordChannel(request: z.output<typeof ChannelPairingList>["requests"][number]): void {
    this.#record(channelApproval(this.#instance(), request));
  }

  #instance(): { id: string; name: string } {
    const { sql, instanceId } = this.#link;
    return getInstance(sql, instanceId) ?? { id: instanceId, name: instanceId };
  }

  #record(request: GatewayRequest): void {
    try {
      this.#link.room("instance", (ctx) => recordGatewayRequest(ctx, request, this.#link.limits.maxPendingApprovals));
    } catch (error) {
      // Over the cap: not filed (the gateway times the request out itself). The first
      // refusal and every hundredth are logged, so a flood does not become one in the log.
      if (!(error instanceof RoomError) || error.code !== "rate_limited") throw error;
      if (this.#refused++ % 100 === 0)
        this.#link.log("gateway request not filed: too many pending", { refused: this.#refused, error: error.message });
    }
  }

  /** The gateway announced a decision: ours (being decided here) is recorded by the resolve itself. */
  settledInGateway(requestId: string, status: Settled, note = DECIDED_IN_OPENCLAW): void {
    if (this.#deciding.has(requestId)) return;
    this.#link.room("instance", (ctx) => settleGatewayRequest(ctx, this.#link.instanceId, requestId, status, note));
  }

  /**
   * Settles the pending room approvals (of the kind `mine` selects) whose gateway request
   * is no longer in the list just read: `outcome` says how. Requests being decided right
   * now, or raised after the list was asked for, are not the list's to judge.
   */
  closeVanished(
    askedAt: number,
    open: ReadonlySet<string>,
    mine: (action: GatewayAction) => boolean,
    outcome: (action: GatewayAction) => ["approved" | "expired", string],
  ): void {
    const { sql, instanceId } = this.#link;
    for (const approval of pendingGatewayApprovals(sql, instanceId)) {
      const action = gatewayActionOf(approval);
      if (!action || !mine(action)) continue;
      if (open.has(action.requestId) || this.#deciding.has(action.requestId) || approval.requestedAt >= askedAt)
        continue;
      const [status, note] = outcome(action);
      this.#link.room("instance", (ctx) => settleGatewayRequest(ctx, instanceId, action.requestId, status, note));
    }
  }

  /**
   * A person's decision on `approval` (a request of this gateway). Resolves to the release
   * to call once the room has recorded it; refuses while another decision on the same
   * request is on its way (ask again shortly: then the room has the answer), and with
   * `already_resolved` when the gateway had decided (or forgotten) the request first.
   */
  resolve(approval: Approval, action: GatewayAction, decision: Decision): Promise<() => void> {
    const { requestId } = action;
    if (this.#deciding.has(requestId))
      throw new RoomError("unavailable", "this request is being decided right now", { approvalId: approval.id }, 300);
    this.#deciding.add(requestId);
    const release = () => {
      this.#deciding.delete(requestId);
    };
    return this.#decide(action, decision).then(
      (outcome) => {
        if (outcome.applied) return release;
        // Someone decided first (in OpenClaw, or the request is gone): record that, refuse this.
        const settled = settleAsRoom(
          this.#link.deps,
          approval.id,
          outcome.status,
          outcome.status === "expired" ? "OpenClaw no longer has this request" : "decided in OpenClaw first",
        );
        release();
        throw new RoomError(
          "already_resolved",
          `approval was already ${settled?.status ?? outcome.status} in OpenClaw`,
          { approvalId: approval.id, status: settled?.status ?? outcome.status },
        );
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  }

  /** Sends the decision to the gateway; returns what actually applied there. */
  async #decide(action: GatewayAction, decision: Decision): Promise<{ applied: boolean; status: Settled }> {
    const connection = this.#link.open();
    const approve = decision === "approve";
    const mine = approve ? "approved" : "denied";
    const [method, params] = decisionRequest(action, approve);
    let answer: unknown;
    try {
      answer = await connection.request(method, params);
    } catch (error) {
      if (isGone(error)) return { applied: false, status: "expired" };
      throw asUnavailable(error);
    }
    if (action.kind !== "exec") return { applied: true, status: mine };
    // approval.resolve says which decision applied: the first one wins in the gateway.
    const result = ApprovalResolveResult.parse(answer);
    if (result.applied !== false) return { applied: true, status: mine };
    const theirs = result.approval?.status;
    return {
      applied: false,
      status: theirs === "denied" ? "denied" : theirs === "allowed" || theirs === "approved" ? "approved" : "expired",
    };
  }
}

/** The gateway request that carries a decision on `action`. */
export function decisionRequest(action: GatewayAction, approve: boolean): [string, Record<string, unknown>] {
  if (action.kind === "exec")
    return ["approval.resolve", { id: action.requestId, kind: "exec", decision: approve ? "allow-once" : "deny" }];
  if (action.target === "channel") {
    const where = action.channel ?? { channel: "", accountId: "" };
    return [
      approve ? "channels.pairing.approve" : "channels.pairing.dismiss",
      { channel: where.channel, accountId: where.accountId, requestId: action.requestId },
    ];
  }
  return [`${action.target}.pair.${approve ? "approve" : "reject"}`, { requestId: action.requestId }];
}

/** Any other failure leaves the approval pending: the person may try again. */
function asUnavailable(error: unknown): RoomError {
  return new RoomError(
    "unavailable",
    `OpenClaw could not take the decision right now: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** What deciding a gateway approval needs of the room. */
export interface DecisionRoom {
  sql: Sql;
  commit: Commit;
  /** The decisions of the instance's bridge, if one runs. */
  decisionsFor(instanceId: string): Decisions | undefined;
}

/** Decides a still-pending approval as the room itself (not a person). */
function settleAsRoom(
  room: Pick<DecisionRoom, "commit">,
  approvalId: string,
  status: Settled,
  note: string,
): Approval | null {
  return room.commit(null, (ctx) => {
    const current = getApproval(ctx.sql, approvalId);
    return current?.status === "pending" ? settleApproval(ctx, current, status, note) : current;
  });
}

/** The approval kinds that stand for a gateway request: the ones whose decision reaches the gateway first. */
export const GATEWAY_ACTION_KINDS = ["exec", "pairing"] as const satisfies readonly GatewayAction["kind"][];

/**
 * `approvals.resolve` on a gateway's request (the approvals' prepare for GATEWAY_ACTION_KINDS,
 * called for a decision the queue's rules would record): the decision reaches the gateway
 * before the room records it (see Decisions).
 */
export function prepareGatewayDecision(
  room: DecisionRoom,
  approval: Approval,
  decision: Decision,
): Promise<() => void> {
  const action = gatewayActionOf(approval);
  if (!action) throw new Error(`approval ${approval.id} does not stand for a gateway request`);
  const decisions = room.decisionsFor(action.instanceId);
  if (!decisions) {
    const instance = getInstance(room.sql, action.instanceId);
    if (instance && instance.status !== "stopped") throw gatewayNotConnected(instance);
    // The instance is gone, and its requests with it: close this one instead of refusing forever.
    settleAsRoom(room, approval.id, "expired", "the OpenClaw instance no longer exists");
    throw new RoomError("already_resolved", "approval was already expired: the OpenClaw instance no longer exists", {
      approvalId: approval.id,
      status: "expired",
    });
  }
  return decisions.resolve(approval, action, decision);
}
