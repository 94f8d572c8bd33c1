// An instance change that holds what it will apply until a person decides: a channel's bot
// token (decision 38), a skill's files or API key (decision 70). Asking files an instance
// approval that names no secret; what the operation applies waits in its feature's own table
// (channel_requests, skill_requests), server-side only: never in the approval, an event, the
// audit log, a job or a log line. Deciding drops the row whatever happens (applied, failed,
// denied or expired), and an approved change runs as a job; a failed one is asked for again.
// A gateway's error may quote what it was sent: the job's and the log's words are scrubbed by
// the feature, which knows its secrets.
import { eq } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { InstanceOperation } from "../../../../../shared/protocol/instances";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import type { OpContext } from "../../kernel/commit";
import { pendingInstanceApprovals, requestApproval } from "../approvals/index";
import { type ApprovedJobDeps, runApprovedJob } from "../jobs/index";
import { INSTANCE_APPROVAL_TTL_MS, refuseBusy, requireInstance } from "./instances";

type InstanceAction = Extract<NonNullable<Approval["action"]>, { kind: "instance" }>;

/** What a held change asks: its approval's words. */
export interface HeldAsk {
  operation: InstanceOperation;
  idempotencyKey: string;
  /** The approval's title, before ` on OpenClaw instance "…"`. */
  title: string;
  details: string;
  /** The thread the change was asked in (the Autopilot's run: its tool call's request), which the approval names. */
  threadId?: string;
}

/** The thread a request was made in, as a HeldAsk takes it: only a tool call of the Autopilot's run has one. */
export const askedIn = (req?: { threadId?: string }): Pick<HeldAsk, "threadId"> =>
  req?.threadId ? { threadId: req.threadId } : {};

/** The part of an instance a held change is about, as its approval's action names it (never what is set). */
export type HeldTarget = Pick<InstanceAction, "channel" | "skill">;

/** Whether an approval's action names every field of `target` as it is. */
const names = (action: InstanceAction, target: HeldTarget): boolean =>
  (Object.keys(target) as (keyof HeldTarget)[]).every((key) => {
    const want: Record<string, unknown> | undefined = target[key];
    const have: Record<string, unknown> | undefined = action[key];
    return !!want && !!have && Object.entries(want).every(([field, value]) => have[field] === value);
  });

/**
 * A JSON column of a held request, read back through `schema`: a value that is not JSON or
 * not of its shape fails the row's parse (the request reads as gone).
 */
export const heldJson = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((value, ctx) => {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);

type HeldTable = SQLiteTable & { approvalId: SQLiteColumn; instanceId: SQLiteColumn; createdAt: SQLiteColumn };
/** A held row as a feature writes it: the approval's id and the time are the module's. */
type HeldValues<T extends HeldTable> = Omit<T["$inferInsert"], "approvalId" | "createdAt">;

/** What settling reads of a feature's held requests. */
export interface HeldReader<R> {
  /** The feature's word in the job's and the log's words ("channel", "skill"). */
  kind: string;
  /** The feature's operations. */
  operations: ReadonlySet<InstanceOperation>;
  /** What an approved operation applies, or null when its request is gone (or does not read). */
  read(sql: Sql, approvalId: string): R | null;
  /** The request is done with (applied, failed, denied or expired): what it held goes with it. */
  drop(sql: Sql, approvalId: string): void;
}

/** A feature's table of held requests, keyed by the approval. */
export function heldRequests<T extends HeldTable, R>(
  table: T,
  how: {
    kind: string;
    operations: ReadonlySet<InstanceOperation>;
    /** A stored row as the operation reads it. */
    row: z.ZodType<R>;
    /** What a row changes: one pending change each, a second would race the first on the gateway. */
    target(values: HeldValues<T>): HeldTarget;
    /** The target in the conflict's words ("telegram", "the skill moon-word"). */
    what(values: HeldValues<T>): string;
  },
) {
  /** The instance's changes of these operations still waiting for a decision. */
  const pending = (sql: Sql, instanceId: string): Approval[] =>
    pendingInstanceApprovals(sql, instanceId, how.operations);
  return {
    kind: how.kind,
    operations: how.operations,
    pending,
    /** Files the approval (the instance live and idle, no change of the target waiting) and holds `values` for it. */
    file(ctx: OpContext, ask: HeldAsk, values: HeldValues<T>): { approval: Approval } {
      const instanceId = values.instanceId as string;
      const instance = requireInstance(ctx.sql, instanceId);
      refuseBusy(instance);
      const target = how.target(values);
      const waiting = pending(ctx.sql, instanceId).find(
        ({ action }) => action?.kind === "instance" && names(action, target),
      );
      if (waiting)
        throw new RoomError(
          "conflict",
          `a change of ${how.what(values)} on ${instanceId} is already waiting for approval`,
          {
            instanceId,
            approvalId: waiting.id,
          },
        );
      const result = requestApproval(
        ctx,
        {
          ...(ask.threadId ? { threadId: ask.threadId } : {}),
          title: `${ask.title} on OpenClaw instance "${instance.name}"`.slice(0, 200),
          details: ask.details,
          risk: "high",
          idempotencyKey: ask.idempotencyKey,
        },
        { kind: "instance", operation: ask.operation, instanceId, name: instance.name, ...target },
        INSTANCE_APPROVAL_TTL_MS,
      );
      ctx.sql.db
        .insert(table)
        .values({ ...values, approvalId: result.approval.id, createdAt: ctx.now } as T["$inferInsert"])
        .run();
      return result;
    },
    read(sql: Sql, approvalId: string): R | null {
      const stored = sql.db.select().from(table).where(eq(table.approvalId, approvalId)).get();
      const parsed = how.row.safeParse(stored);
      return parsed.success ? parsed.data : null;
    },
    drop(sql: Sql, approvalId: string): void {
      sql.db.delete(table).where(eq(table.approvalId, approvalId)).run();
    },
    /** A deleted instance's pending changes go with it. */
    dropAll(sql: Sql, instanceId: string): void {
      sql.db.delete(table).where(eq(table.instanceId, instanceId)).run();
    },
  };
}

/** What settling a held change needs of the room (the instances' operations give it). */
export interface HeldSettleDeps extends ApprovedJobDeps {
  sql: Sql;
}

/** How a feature runs its approved held changes. */
export interface HeldSettle<R> {
  /** Applies an approved request on the gateway; the job's message. */
  run(request: R, operation: InstanceOperation): Promise<string>;
  /** An error's words with the request's secrets cut out. */
  scrub(text: string, request: R | null): string;
  /** A stop a person asked for is no failure: its words when `error` is one (the job reads cancelled), else null. */
  cancelled?(error: unknown): string | null;
}

/** A decided approval of a held change: an approved one runs as a job; any other just drops what it held. */
export async function settleHeld<R>(
  deps: HeldSettleDeps,
  approval: Approval,
  held: HeldReader<R>,
  how: HeldSettle<R>,
): Promise<void> {
  const action = approval.action;
  if (action?.kind !== "instance" || !held.operations.has(action.operation)) return;
  if (approval.status !== "approved") {
    held.drop(deps.sql, approval.id);
    return;
  }
  const request = held.read(deps.sql, approval.id);
  held.drop(deps.sql, approval.id);
  await runApprovedJob(deps, approval, {
    run: async () => {
      if (!request) throw new Error(`the ${held.kind} request is gone`);
      return { ok: true, message: (await how.run(request, action.operation)).slice(0, 2000) };
    },
    errorText: (text) => how.scrub(text, request),
    cancelled: (error) => how.cancelled?.(error) ?? null,
    log: { msg: `${held.kind} operation failed`, instanceId: action.instanceId, operation: action.operation },
  });
}
