import { sweepRoomTables } from "./retention";
import { forgetUnattachedFiles, UNATTACHED_FILE_TTL_MS, unattachedFiles } from "../threads/index";
import type { Sql } from "../../../../domain/sql";

/** How often a room with something to forget sweeps its tables. */
export const RETENTION_SWEEP_SECONDS = 3600;

/**
 * The Autopilot's retention sweep (party/rooms/autopilot/features/retention/retention.ts), on an interval schedule
 * while there is anything to forget: a room that runs for weeks (bridges keep it awake)
 * must not rely on a restart to trim its tables. The schedule is dropped when nothing
 * time-bounded is left, so an idle room is not woken for nothing, and made again once a
 * request or event may have written something.
 */
export class RetentionSweep {
  #scheduled = false;
  /** A sweep could not list or delete stray bytes: the schedule stays until one can. */
  #orphansMayRemain = false;

  constructor(
    private readonly d: {
      sql: Sql;
      /** Schedules `sweepRetention` every `seconds` (agents' schedules: the alarm the room already uses). */
      every: (seconds: number) => Promise<unknown>;
      cancel: () => Promise<void>;
      auditRows: () => number;
      /** The Hatchery forgets its own expired keys; returns how many it has left. */
      sweepCanvas: (now: number) => Promise<number>;
      workspaceId: () => string;
      /** Deletes these files' bytes (R2): their rows are already gone. */
      deleteFiles: (fileIds: readonly string[]) => Promise<void>;
      /** Deletes bytes no row names any more, put before the given time (what a failed delete left). */
      deleteOrphans: (before: number) => Promise<number>;
    },
  ) {}

  /** Makes sure the sweep is scheduled; cheap to call on every request (once per wake). */
  ensure(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    void this.d.every(RETENTION_SWEEP_SECONDS).catch((error: unknown) => {
      this.#scheduled = false;
      this.#log("could not schedule the retention sweep", error);
    });
  }

  #log(msg: string, error: unknown): void {
    console.error(JSON.stringify({ msg, workspace: this.d.workspaceId(), error: String(error) }));
  }

  async run(now: number): Promise<void> {
    const left = this.d.sql.transaction(() => sweepRoomTables(this.d.sql, now, this.d.auditRows()));
    // Rows first: once gone, no message can attach the file while its bytes are deleted.
    const unattached = this.d.sql.transaction(() => forgetUnattachedFiles(this.d.sql, now));
    // A delete that fails leaves bytes no row names: sweeps look for them by listing.
    if (unattached.length > 0)
      await this.d
        .deleteFiles(unattached)
        .catch((error: unknown) => this.#log("could not delete unattached files", error));
    // Every sweep looks (one listing a page of a thousand): a flag of a failed delete would not
    // survive the room's eviction.
    this.#orphansMayRemain = await this.d
      .deleteOrphans(now - UNATTACHED_FILE_TTL_MS)
      .then(() => false)
      .catch((error: unknown) => {
        this.#log("could not delete files no row names", error);
        return true;
      });
    const waiting = unattachedFiles(this.d.sql) + (this.#orphansMayRemain ? 1 : 0);
    const canvasLeft = await this.d.sweepCanvas(now).catch((error: unknown) => {
      this.#log("the canvas could not sweep its tables", error);
      return 1;
    });
    if (left + canvasLeft + waiting > 0) return;
    await this.d.cancel();
    this.#scheduled = false;
  }
}
