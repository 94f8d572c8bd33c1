import type { Scheduler } from "agents/schedules";
import { expireDueApprovals, nextApprovalExpiry } from "./approvals";
import type { RoomWriter } from "../../kernel/commit";

/** Pending approvals expire on the room's alarm: one wake-up at the next expiry. */
export class ApprovalExpiry {
  constructor(
    private readonly d: RoomWriter & {
      scheduler: Pick<Scheduler, "set">;
      workspaceId(): string;
    },
  ) {}

  /** On start: a wake-up for the next expiry, deduplicated since onStart runs on every wake. */
  async ensure(): Promise<void> {
    const next = nextApprovalExpiry(this.d.sql);
    if (next !== null) await this.wakeAt(next, true);
  }

  /**
   * A wake-up at `at`. Only onStart's may be deduplicated (same time, same row): the
   * scheduler would fold a re-check into the very job that is running and then delete it,
   * leaving no alarm at all.
   */
  wakeAt(at: number, idempotent = false): Promise<unknown> {
    const when = Math.max(at, Date.now());
    return this.d.scheduler
      .set(new Date(when), "expireApprovals", { at: when }, { idempotent })
      .catch((error: unknown) => {
        console.error(
          JSON.stringify({
            msg: "could not schedule approval expiry",
            workspace: this.d.workspaceId(),
            at: when,
            error: String(error),
          }),
        );
      });
  }

  /** The scheduled callback: resolves pending approvals whose time ran out. */
  async run(): Promise<void> {
    this.d.commit(null, expireDueApprovals);
    // Scheduled times have one-second granularity and workerd's clock only advances with
    // I/O, so an alarm can run before the expiry it was set for and find nothing due:
    // look again a second later.
    const next = nextApprovalExpiry(this.d.sql);
    if (next !== null && next - Date.now() < 1000) await this.wakeAt(Math.max(next, Date.now()) + 1000);
  }
}
