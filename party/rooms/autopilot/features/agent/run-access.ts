// A run acts for the principal whose message triggered it (its doc's `triggeredBy`), and
// only while that principal still may. A run outlives the request that started it — it
// waits for people, survives eviction, resumes after a restart — so the room reads that
// principal's access again, from D1 as it stands now (party/auth/current-access.ts),
// before every tool call and before a queued or resumed run asks the model again. The
// Worker telling the room that access changed (accessChanged) only makes it look sooner:
// that word may never come (a key past its expiry, a room that could not be reached).
//
// Access gone: the run stops — an error in its thread, its approvals still pending
// withdrawn (expired, with why), and an audit entry `run.stopped`. Scopes narrowed: a tool
// that needs a scope the trigger no longer holds does not run, and the model is told.
import { z } from "zod";
import { type MethodName, Methods } from "../../../../../shared/protocol/methods";
import type { Actor, Principal, Scope } from "../../../../../shared/protocol/principal";
import { hasScope } from "../../../../../shared/scopes";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { type ActingFor, lostAccessNote } from "../approvals/index";
import { isAccessPrincipal } from "../../../../auth/current-access";
import type { CurrentAccess } from "../../kernel/services";
import { type AgentRun, endRun, filedApprovals, getRun, recordFiledApproval, runOfFiledApproval } from "./agent-runs";
import { withdrawApproval } from "../approvals/index";
import type { Sql } from "../../../../domain/sql";
import type { AgentRunDoc } from "../../../../records/agent-run";
import { autopilotPrincipal, failSegment, jsonText, type PostDeps } from "./autopilot-posts";
import type { GatewayAccess } from "../instances/index";
import { GATEWAY_TOOL_SCOPE, type RunTools, runTools, toolCallKey } from "../toolset/index";
import { TOOL_POLICY } from "../../../../../shared/protocol/tool-policy";
import type { ToolAround } from "../model/index";
import { agentTool, runScopes } from "../toolset/index";

/** The scope a run's tool needs: a room tool its method's, the OpenClaw gateway tool `write`. */
export const toolScope = (tool: string): Scope => agentTool(tool)?.scope ?? GATEWAY_TOOL_SCOPE;

/** Instance operations are all `write` methods (instances.provision … instances.link). */
const INSTANCE_SCOPE: Scope = "write";

/**
 * Whom the approvals of the Autopilot's runs act for (the approvals' acting-for.ts): a tool
 * call's, its run's trigger with the scope the tool needs; an instance operation a run asked
 * for through an approval-method tool (its requester is the Autopilot), that run's trigger.
 * Undefined for any other approval.
 */
export function runActingFor(sql: Sql, approval: Approval): ActingFor | null | undefined {
  const action = approval.action;
  const forTrigger = (run: AgentRun | null, scope: Scope): ActingFor | null =>
    run ? { principal: { ...run.doc.triggeredBy, scopes: run.doc.scopes }, scope } : null;
  if (action?.kind === "tool") return forTrigger(getRun(sql, action.runId), toolScope(action.tool));
  if (action?.kind === "instance" && !isAccessPrincipal(approval.requestedBy))
    return forTrigger(runOfFiledApproval(sql, approval.id), INSTANCE_SCOPE);
  return undefined;
}

export type RunAccess =
  /** What the run may still use: its own scopes, narrowed to what its trigger holds now (never widened). */
  | { kind: "ok"; scopes: Scope[] }
  | { kind: "gone"; reason: string }
  /** D1 could not answer: nothing runs on a guess. */
  | { kind: "unknown"; error: string };

export async function runAccess(
  current: CurrentAccess,
  doc: Pick<AgentRunDoc, "triggeredBy" | "scopes">,
): Promise<RunAccess> {
  try {
    const verdict = await current({ ...doc.triggeredBy, scopes: doc.scopes });
    if (!verdict.ok) return { kind: "gone", reason: verdict.reason };
    const held = runScopes(verdict.principal.scopes);
    return { kind: "ok", scopes: doc.scopes.filter((scope) => held.includes(scope)) };
  } catch (error) {
    return { kind: "unknown", error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * What each of a run's tools goes through right before it executes: its trigger's access,
 * read again — also for a call a person approved before that access changed: the approval
 * let the room act for that principal, not for whoever holds the run now. `gone` is told
 * when the access is gone (the run then stops); the call fails either way, so it never runs.
 * The run's tools are made with it (toolset/run-tools.ts `around`), not wrapped afterwards.
 */
function accessGuard(check: () => Promise<RunAccess>, gone: (reason: string) => void): ToolAround {
  return async (name, _input, _options, execute) => {
    const access = await check();
    if (access.kind === "unknown")
      throw new Error(`${name} did not run: the access of whoever asked could not be confirmed (${access.error})`);
    if (access.kind === "gone") {
      gone(access.reason);
      throw new Error(`${name} did not run: whoever asked no longer has access (${access.reason})`);
    }
    const scope = toolScope(name);
    if (!hasScope(access.scopes, scope))
      throw new Error(`${name} did not run: whoever asked no longer holds the ${scope} scope`);
    return execute();
  };
}

const Listed = z.object({ messages: z.array(z.object({ kind: z.string().optional() }).passthrough()) }).passthrough();

/**
 * What a guest's run reads of a thread: its messages as its chat sees them, without the
 * Autopilot's tool calls, which stay in the app (what a person's run looked up elsewhere among them).
 */
function asTheChatSeesIt(method: MethodName, result: unknown): unknown {
  if (method !== "messages.list") return result;
  const listed = Listed.safeParse(result);
  return listed.success ? { ...listed.data, messages: listed.data.messages.filter((m) => m.kind !== "tool") } : result;
}

const FiledApproval = z.object({ approval: z.object({ id: z.string() }) });

/**
 * Remembers the approval an approval-method tool (instances.*) filed: it is requested by
 * the Autopilot, but what it lets the room do is done for the run's trigger.
 */
export function noteFiledApproval(sql: Sql, runId: string, method: MethodName, result: unknown): void {
  if (TOOL_POLICY[method].kind !== "approval-method") return;
  const filed = FiledApproval.safeParse(result);
  if (filed.success) recordFiledApproval(sql, runId, filed.data.approval.id);
}

/**
 * The approval a call of an approval-method tool filed (its result names it), else null: the
 * call's message in the thread links it, so the thread shows the decision where it was asked.
 */
export function approvalFiledBy(tool: string, output: unknown): string | null {
  const method = agentTool(tool)?.method;
  if (!method || TOOL_POLICY[method].kind !== "approval-method") return null;
  const filed = FiledApproval.safeParse(output);
  return filed.success ? filed.data.approval.id : null;
}

export const stoppedText = (who: Actor, reason: string): string =>
  `The Autopilot stopped: ${who.name} asked for this and no longer has access (${reason}). Nothing more runs for them.`;

/**
 * Ends a run whose trigger's access is gone: its segment fails with why, the approvals it
 * still waits for or filed are withdrawn, and the audit records the stop (by the room).
 */
export function stopRun(deps: PostDeps, run: AgentRun, chatRunId: string, partial: string, reason: string): void {
  const who = run.doc.triggeredBy;
  failSegment(deps, run.threadId, chatRunId, partial, stoppedText(who, reason));
  deps.commit(null, (ctx) => {
    const asked = run.doc.pending.flatMap((call) => (call.roomApprovalId && !call.answer ? [call.roomApprovalId] : []));
    const note = lostAccessNote(who, reason);
    const withdrawn = [...asked, ...filedApprovals(ctx.sql, run.id)].filter(
      (id) => withdrawApproval(ctx, id, note) !== null,
    );
    endRun(ctx.sql, run.id, "aborted", ctx.now);
    ctx.audit("run.stopped", run.id, { threadId: run.threadId, triggeredBy: who.id, reason, withdrawn });
  });
}

/** A tool's result as the model gets it back (a run's messages are stored while it waits). */
const RESULT_CHARS = 16_000;

/** A tool's result text as the model gets it back: at most RESULT_CHARS, marked where it was cut. */
export const clipResult = (text: string): string =>
  text.length > RESULT_CHARS ? `${text.slice(0, RESULT_CHARS)}... (clipped)` : text;

export interface ActingToolsDeps {
  sql: Sql;
  /** Runs a registry method as `principal` through the room's dispatch, a call of the run in thread `threadId`; throws its error. */
  invoke(
    principal: Principal,
    method: MethodName,
    params: Record<string, unknown>,
    onBehalfOf?: Actor,
    threadId?: string,
  ): Promise<unknown>;
  /** The OpenClaw instance attached to a thread, whose gateway tools a run may use; null if none. */
  gateway(threadId: string): GatewayAccess | null;
  /** A principal's access as D1 has it now: a run acts for its trigger only while that holds. */
  currentAccess: CurrentAccess;
}

/** A run's tools (run-tools.ts) whose every call first reads its trigger's access again (accessGuard). */
export interface ActingTools extends RunTools {
  /**
   * Hands the next call's check a verdict the caller has just read (runAccess) instead of reading
   * it again. It counts only while the isolate's clock stands where it stood then: workerd moves
   * `Date.now()` only when I/O completes, so an unmoved clock means nothing was awaited between
   * that read and the call (no D1 answer, no gateway, no timer) — the verdict is as live as the
   * read the check would make. Otherwise, and for every later call, the check reads D1.
   */
  checked(access: RunAccess): void;
}

/**
 * The tools of a run acting for someone (a reply's run, or a task): each call goes through
 * the room's dispatch as the Autopilot for `triggeredBy`, a mutating one with its key from
 * the run and the call, and each first reads the trigger's access again (`gone` is told
 * when it is gone). A guest's run (agent-run.ts `guest`) reads its own thread as the chat
 * sees it, without the tool calls that stay in the app; anything else waits for a person.
 */
export async function actingTools(
  d: ActingToolsDeps,
  run: { id: string; threadId: string; scopes: Scope[]; triggeredBy: Actor; guest?: boolean },
  riskyGatewayTools: readonly string[],
  gone: (reason: string) => void,
): Promise<ActingTools> {
  const principal = autopilotPrincipal(run.scopes);
  let fresh: { access: RunAccess; at: number } | null = null;
  const check = () => {
    const given = fresh;
    fresh = null;
    if (given && given.at === Date.now()) return Promise.resolve(given.access);
    return runAccess(d.currentAccess, { triggeredBy: run.triggeredBy, scopes: run.scopes });
  };
  const built = await runTools({
    sql: d.sql,
    runId: run.id,
    scopes: run.scopes,
    riskyGatewayTools,
    gateway: d.gateway(run.threadId),
    guestThread: run.guest ? run.threadId : null,
    call: async (method, input, options) => {
      const params = Methods[method].mutating
        ? { ...input, idempotencyKey: await toolCallKey(run.id, options.toolCallId) }
        : input;
      const answer = await d.invoke(principal, method, params, run.triggeredBy, run.threadId);
      const result = run.guest ? asTheChatSeesIt(method, answer) : answer;
      noteFiledApproval(d.sql, run.id, method, result);
      const text = jsonText(result);
      return text.length > RESULT_CHARS ? clipResult(text) : result;
    },
    around: accessGuard(check, gone),
  });
  return {
    ...built,
    checked: (access) => {
      fresh = { access, at: Date.now() };
    },
  };
}
