// Gated calls over MCP (docs/mcp.md, "Tools"): the approval a call waits for is filed with
// its gate (party/rooms/autopilot/features/mcp/approval-gates.ts), after its params were checked as the method
// checks them and its targets were found, so nobody is asked to approve a call that could
// only fail; the call then runs only on an approval whose gate names exactly it, and only
// once (dispatch claims `approvedCall` with claimApprovedCallOf).
import type { z } from "zod";
import type { Approval, ApprovalsRequestParams } from "../../../../../shared/protocol/approvals";
import { type MethodName, Methods } from "../../../../../shared/protocol/methods";
import type { Principal } from "../../../../../shared/protocol/principal";
import { hasScope } from "../../../../../shared/scopes";
import { sha256Hex } from "../../../../auth/tokens";
import { approvedCallRefusal, claimApprovedCall, fileGatedCall, requireCallTargets } from "./approval-gates";
import { RoomError } from "../../../../domain/errors";
import type { RoomWriter } from "../../kernel/commit";
import type { Sql } from "../../../../domain/sql";

/** JSON with every object's keys sorted: the same arguments give the same text, however a client ordered them. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The digest of a call's arguments: its params as the method's schema parsed them, without the idempotency key. */
export function callDigest(params: Record<string, unknown>): Promise<string> {
  const { idempotencyKey: _key, ...args } = params;
  return sha256Hex(canonicalJson(args));
}

/** The note of a gated call's approval withdrawn because no call waits on it any more. */
export const WITHDRAWN_NOTE = "withdrawn: the MCP call that asked for it ended before a decision";

export type GatedFiling = { ok: true; approval: Approval } | { ok: false; code: string; message: string };

/** What the approval of a gated call says to the people who decide it. */
export type GatedCallAsk = Omit<z.output<typeof ApprovalsRequestParams>, "idempotencyKey">;

/** Files the approval `principal`'s call of `method` with `params` waits for (or finds the one this call filed before). */
export async function requestGatedCall(
  room: RoomWriter,
  principal: Principal,
  method: MethodName,
  params: Record<string, unknown>,
  ask: GatedCallAsk,
  callId: string,
): Promise<GatedFiling> {
  const spec = Methods[method];
  if (!hasScope(principal.scopes, spec.scope))
    return { ok: false, code: "forbidden", message: `${method} needs the ${spec.scope} scope` };
  const parsed = (spec.params as z.ZodType<Record<string, unknown>>).safeParse(params);
  if (!parsed.success)
    return {
      ok: false,
      code: "bad_request",
      message: `invalid params: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    };
  const argsDigest = await callDigest(parsed.data);
  try {
    const { approval } = room.commit(principal, (ctx) => {
      requireCallTargets(ctx.sql, parsed.data);
      return fileGatedCall(ctx, { method, argsDigest, callId }, ask);
    });
    return { ok: true, approval };
  } catch (cause) {
    if (cause instanceof RoomError) return { ok: false, code: cause.code, message: cause.message };
    throw cause;
  }
}

/**
 * Lets `principal` run this call (as dispatch parsed its params) on `approvalId`, or throws
 * why not: `forbidden` when the approval does not stand for it, `conflict` when its run
 * has claimed it already. A repeat of a call that answered (`answeredBefore`: its answer
 * is recorded under its idempotency key) claims nothing: it gets that answer again.
 */
export async function claimApprovedCallOf(
  sql: Sql,
  approvalId: string,
  principal: Principal,
  method: MethodName,
  params: Record<string, unknown>,
  answeredBefore: () => boolean,
): Promise<void> {
  const argsDigest = await callDigest(params);
  const refusal = approvedCallRefusal(sql, approvalId, principal, method, argsDigest);
  if (refusal !== null) throw new RoomError("forbidden", refusal, { approvalId });
  if (answeredBefore() || claimApprovedCall(sql, approvalId, Date.now())) return;
  throw new RoomError("conflict", `approval ${approvalId} was used up by its call: an approval stands for one run`, {
    approvalId,
  });
}
