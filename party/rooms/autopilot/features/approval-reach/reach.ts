import type { Scheduler } from "agents/schedules";
import { type Surface, sentToWords } from "../../../../../shared/approval-reach-words";
import type { Approval, ApprovalReach as Reach } from "../../../../../shared/protocol/approvals";
import type { ChatPlatform } from "../../../../../shared/protocol/chats";
import type { QuietHours } from "../../../../../shared/protocol/inbox";
import type { OpContext, RoomWriter } from "../../kernel/commit";
import { getSettings } from "../../kernel/settings";
import { AUTOPILOT_ACTOR } from "../agent/index";
import { getApproval, setApprovalReach } from "../approvals/index";
import { preferences, reachableBy } from "../inbox/index";
import { appendMessage, getThread } from "../threads/index";
import { type Member, mayDecide, membersOf } from "./deciders";
import { byRung, type Candidate, firstRecipients, planStep, reminderSurface, stepsFor } from "./ladder";
import { noteTold, putReach, type ReachRow, reachOf, toldOf } from "./store";
import { addedWords, named, nobodyWords, outcomeWords, remindedWords, waitingFor } from "./words";

/** What the reach's work reads and sends through: the room, D1, and the inbox's and chats' APIs. */
export interface ReachDeps extends RoomWriter {
  db: D1Database;
  workspaceId(): string;
  scheduler: Pick<Scheduler, "set">;
  inbox: {
    remind(
      who: { principalId: string; name: string },
      approvalId: string,
      via: "mail" | "push",
      headline: string,
    ): Promise<boolean>;
    connected(principalId: string): boolean;
    pushOn: boolean;
  };
  chats: {
    deliver(
      approvalId: string,
      to: ReadonlySet<string> | undefined,
      reminder?: string,
    ): Promise<Map<string, ChatPlatform[]>>;
    platformsOf(principalId: string): ChatPlatform[];
  };
}

/** A reminder's first line, in a chat message, a mail's subject, a push. */
const REMINDER = "Reminder: still waiting for your decision";
const ESCALATED = "Approval needed (no one has decided it yet)";

/**
 * An approval reached on purpose (docs/access.md "Who is told"): when it is filed, the room
 * works out who may decide it and who of them can be told now, sends it to them and records
 * where; while nobody decides, the workspace's reminder ladder reminds them on another surface
 * and adds the admins, then the owners; the asker hears each step in the asking thread (and
 * so its bound chat) and on the approval itself (`reach`, which the agent's socket and the
 * CLI see), then the outcome. When nobody who may decide can be told, the asker is told at once.
 */
export class ApprovalReachWork {
  constructor(private readonly d: ReachDeps) {}

  /** Who may decide, with where each can be told now; null when D1 could not be read. */
  async #deciders(approval: Approval): Promise<Candidate[] | null> {
    let members: Member[];
    try {
      members = await membersOf(this.d.db, this.d.workspaceId());
    } catch (error) {
      console.error(
        JSON.stringify({ msg: "approval reach: members unread", approval: approval.id, error: String(error) }),
      );
      return null;
    }
    const policy = getSettings(this.d.sql).approvals;
    return byRung(
      mayDecide(members, approval, policy).map((m) => ({
        ...m,
        quietHours: (preferences(this.d.sql, m.id).quietHours ?? null) as QuietHours | null,
        surfaces: this.#surfacesOf(m.id),
      })),
    );
  }

  #surfacesOf(principalId: string): Surface[] {
    const { push, mail } = reachableBy(this.d.sql, principalId, this.d.inbox.pushOn);
    const app = this.d.inbox.connected(principalId);
    return [
      ...(app ? (["app"] as const) : []),
      ...this.d.chats.platformsOf(principalId),
      ...(push ? (["push"] as const) : []),
      ...(mail ? (["mail"] as const) : []),
    ];
  }

  /**
   * Sends the approval to people told for the first time: their open app, their chats, their
   * push; one who has none of those is mailed now. Returns where each was told.
   */
  async #send(approval: Approval, people: readonly Candidate[], headline?: string): Promise<Map<string, Surface[]>> {
    const told = new Map<string, Surface[]>();
    if (people.length === 0) return told;
    const chats = await this.d.chats.deliver(approval.id, new Set(people.map((p) => p.id)), headline);
    for (const person of people) {
      const surfaces: Surface[] = [];
      if (this.d.inbox.connected(person.id)) surfaces.push("app");
      surfaces.push(...(chats.get(person.id) ?? []));
      // A new approval's push goes with the inbox's own sweep; one added later is pushed now.
      if (person.surfaces.includes("push")) {
        if (!headline) surfaces.push("push");
        else if (await this.#remind(approval, person, "push", headline)) surfaces.push("push");
      }
      if (surfaces.length === 0 && person.surfaces.includes("mail"))
        if (await this.#remind(approval, person, "mail", headline ?? "Approval needed")) surfaces.push("mail");
      told.set(person.id, surfaces);
    }
    return told;
  }

  #remind(approval: Approval, person: Candidate, via: "mail" | "push", headline: string): Promise<boolean> {
    return this.d.inbox
      .remind({ principalId: person.id, name: person.name }, approval.id, via, headline)
      .catch((error: unknown) => {
        console.error(
          JSON.stringify({ msg: "approval reminder failed", approval: approval.id, via, error: String(error) }),
        );
        return false;
      });
  }

  /** A new approval: sent to whom the ladder's first rung says, recorded, and its asker told. */
  async file(approvalId: string): Promise<void> {
    const approval = getApproval(this.d.sql, approvalId);
    if (approval?.status !== "pending" || reachOf(this.d.sql, approvalId)) return;
    const deciders = await this.#deciders(approval);
    if (deciders === null) {
      // D1 unread: the chats get it as they did before the ladder, and the next step looks again.
      await this.d.chats.deliver(approvalId, undefined);
      this.#record(approval, new Map(), [], null, null);
      return;
    }
    const now = Date.now();
    const { to } = firstRecipients(deciders, now, approval.risk);
    const told = await this.#send(approval, to);
    const reached = to.filter((c) => (told.get(c.id) ?? []).length > 0);
    const nobody = reached.length === 0 ? nobodyWords(deciders, getSettings(this.d.sql).approvals.twoPersonRule) : null;
    this.#record(approval, told, to, nobody, null);
  }

  /** Writes what was sent, the approval's reach, and the line the asker reads, in one commit. */
  #record(
    approval: Approval,
    told: ReadonlyMap<string, Surface[]>,
    people: readonly Candidate[],
    nobody: string | null,
    stepLine: string | null,
    stepRan = false,
  ): void {
    const at = this.d.commit(null, (ctx) => {
      const now = ctx.now;
      const row: ReachRow = reachOf(ctx.sql, approval.id) ?? {
        approvalId: approval.id,
        status: "pending",
        risk: approval.risk,
        threadId: approval.threadId,
        filedAt: approval.requestedAt,
        firstToldAt: null,
        step: 0,
        nextAt: null,
        nobodyAt: null,
        everNobody: 0,
        lastRemindedAt: null,
        endedAt: null,
      };
      if (row.status !== "pending") return null;
      const step = stepRan ? row.step + 1 : row.step;
      for (const person of people)
        noteTold(
          ctx.sql,
          approval.id,
          { principalId: person.id, name: person.name, role: person.role },
          told.get(person.id) ?? [],
          step,
          now,
        );
      const anyTold = [...told.values()].some((s) => s.length > 0);
      const steps = stepsFor(getSettings(ctx.sql).approvals.reminders, approval.risk);
      const next = steps[step];
      const updated: ReachRow = {
        ...row,
        step,
        firstToldAt: row.firstToldAt ?? (anyTold ? now : null),
        nextAt: next ? Math.max(approval.requestedAt + next.afterMs, now + 1000) : null,
        nobodyAt: nobody ? (row.nobodyAt ?? now) : null,
        everNobody: nobody ? 1 : row.everNobody,
        lastRemindedAt: stepRan && anyTold ? now : row.lastRemindedAt,
      };
      putReach(ctx.sql, updated);
      const reach = this.#reachOf(ctx, approval.id, updated, nobody, null);
      setApprovalReach(ctx, approval.id, reach);
      // A quick decision adds nothing to the thread (the approval's reach says whom it was sent to); a
      // wait does: nobody to decide (at once), and each step that told someone.
      const line = nobody && !row.nobodyAt ? nobody : stepLine;
      if (line)
        this.#tellAsker(ctx, approval, `${line}${reach.waiting && line !== nobody ? `; ${reach.waiting}` : ""}.`);
      return updated.nextAt;
    });
    if (at) void this.wakeAt(at);
  }

  #reachOf(ctx: OpContext, approvalId: string, row: ReachRow, nobody: string | null, outcome: string | null): Reach {
    const told = toldOf(ctx.sql, approvalId).filter((p) => p.surfaces.length > 0);
    return {
      sentTo: sentToWords(told.map((p) => ({ name: p.name, surfaces: p.surfaces }))).slice(0, 1000),
      waiting: outcome ? null : waitingFor(told.map((p) => p.name)),
      nobody,
      step: Math.min(row.step, 50),
      remindedAt: row.lastRemindedAt,
      outcome,
    };
  }

  /** A line in the asking thread (which its bound chat relays), as the Autopilot. */
  #tellAsker(ctx: OpContext, approval: Approval, text: string): void {
    if (!approval.threadId) return;
    const thread = getThread(ctx.sql, approval.threadId);
    if (thread)
      appendMessage(
        ctx,
        thread,
        AUTOPILOT_ACTOR,
        `${named(approval)}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`,
      );
  }

  /** One step of the ladder for an approval whose step is due. */
  async step(row: ReachRow): Promise<void> {
    const approval = getApproval(this.d.sql, row.approvalId);
    if (approval?.status !== "pending") {
      // Decided or gone with its row still open: closed now, or every alarm would find it due again.
      if (approval) this.outcome(approval);
      else putReach(this.d.sql, { ...row, status: "decided", nextAt: null, endedAt: Date.now() });
      return;
    }
    const steps = stepsFor(getSettings(this.d.sql).approvals.reminders, approval.risk);
    const step = steps[row.step];
    const deciders = await this.#deciders(approval);
    if (!step || deciders === null) {
      this.#record(approval, new Map(), [], null, null, true);
      return;
    }
    const now = Date.now();
    const toldBefore = toldOf(this.d.sql, approval.id).filter((p) => p.surfaces.length > 0);
    const toldIds = new Set(toldBefore.map((p) => p.principalId));
    const stillDeciders = deciders.filter((c) => toldIds.has(c.id));
    const plan =
      stillDeciders.length === 0
        ? { remind: [], add: firstRecipients(deciders, now, approval.risk).to, asleep: [] }
        : planStep(step, deciders, toldIds, now, approval.risk);
    const told = new Map<string, Surface[]>();
    const lines: string[] = [];
    for (const person of plan.remind) {
      const used = toldBefore.find((p) => p.principalId === person.id)?.surfaces ?? [];
      const surface = reminderSurface(person.surfaces, used);
      if (!surface) continue;
      const sent =
        surface === "push" || surface === "mail"
          ? await this.#remind(approval, person, surface, REMINDER)
          : (await this.d.chats.deliver(approval.id, new Set([person.id]), REMINDER)).has(person.id);
      if (!sent) continue;
      told.set(person.id, [surface]);
      lines.push(remindedWords(person.name, surface));
    }
    const added = await this.#send(approval, plan.add, ESCALATED);
    for (const [id, surfaces] of added) told.set(id, surfaces);
    const addedPeople = plan.add.filter((c) => (added.get(c.id) ?? []).length > 0);
    if (addedPeople.length > 0)
      lines.push(addedWords(addedPeople.map((c) => ({ name: c.name, surfaces: added.get(c.id) ?? [] }))));
    if (plan.asleep.length > 0)
      lines.push(
        `${plan.asleep.map((c) => c.name).join(" and ")} ${plan.asleep.length === 1 ? "is" : "are"} in quiet hours`,
      );
    // The thread's first line of a wait says whom it was sent to at first.
    if (lines.length > 0 && row.step === 0 && toldBefore.length > 0)
      lines.unshift(sentToWords(toldBefore.map((p) => ({ name: p.name, surfaces: p.surfaces }))));
    const reachable = deciders.some((c) => c.surfaces.length > 0);
    const nobody =
      stillDeciders.length === 0 && addedPeople.length === 0 && !reachable
        ? nobodyWords(deciders, getSettings(this.d.sql).approvals.twoPersonRule)
        : null;
    this.#record(
      approval,
      told,
      [...plan.remind, ...plan.add],
      nobody,
      lines.length > 0 ? lines.join("; ") : null,
      true,
    );
  }

  /**
   * Access changed: an approval whose every decider is gone (the only admin removed) tells its
   * asker at once, not when it expires.
   */
  async recheck(pending: readonly ReachRow[]): Promise<void> {
    for (const row of pending) {
      const approval = getApproval(this.d.sql, row.approvalId);
      if (approval?.status !== "pending") continue;
      const deciders = await this.#deciders(approval);
      if (deciders === null) continue;
      const reachable = deciders.some((c) => c.surfaces.length > 0);
      if (reachable === (row.nobodyAt === null)) continue;
      const nobody = reachable ? null : nobodyWords(deciders, getSettings(this.d.sql).approvals.twoPersonRule);
      this.#record(approval, new Map(), [], nobody, null);
    }
  }

  /** A decided or expired approval: its outcome, in words, on the approval and to the asker. */
  outcome(approval: Approval): void {
    this.d.commit(null, (ctx) => {
      const row = reachOf(ctx.sql, approval.id);
      const told = toldOf(ctx.sql, approval.id).filter((p) => p.surfaces.length > 0);
      const ended: ReachRow = {
        ...(row ?? {
          approvalId: approval.id,
          risk: approval.risk,
          threadId: approval.threadId,
          filedAt: approval.requestedAt,
          firstToldAt: null,
          step: 0,
          nobodyAt: null,
          everNobody: 0,
          lastRemindedAt: null,
        }),
        status: approval.status === "expired" ? "expired" : "decided",
        nextAt: null,
        endedAt: approval.resolvedAt ?? ctx.now,
      };
      putReach(ctx.sql, ended);
      const outcome = outcomeWords(
        approval,
        told.map((p) => p.name),
      );
      setApprovalReach(ctx, approval.id, this.#reachOf(ctx, approval.id, ended, null, outcome));
      // The thread heard the wait (a step, or nobody to decide): it hears how it ended.
      if (row && (row.step > 0 || row.everNobody === 1)) this.#tellAsker(ctx, approval, `${outcome}.`);
    });
  }

  /** A wake-up for the next due step (the room's alarm, `remindApprovals`). */
  wakeAt(at: number, idempotent = false): Promise<unknown> {
    const when = Math.max(at, Date.now());
    return this.d.scheduler
      .set(new Date(when), "remindApprovals", { at: when }, { idempotent })
      .catch((error: unknown) => {
        console.error(
          JSON.stringify({
            msg: "could not schedule approval reminders",
            workspace: this.d.workspaceId(),
            error: String(error),
          }),
        );
      });
  }
}
