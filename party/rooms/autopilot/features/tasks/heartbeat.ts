import type { Scheduler } from "agents/schedules";

/** How often a room with running tasks wakes itself, in case it was evicted mid-task. */
export const TASK_HEARTBEAT_SECONDS = 30;

/**
 * While tasks run, the room keeps a recurring alarm (`resumeTasks`): a room evicted or
 * restarted mid-task wakes on it with no client connected, and its start resumes each
 * running task at the step it was on (decision 41). Once nothing runs, the alarm goes: when
 * the runner's last loop ends (`settle`), or else at its next beat (`run`), so a finished task
 * does not wake its room again for nothing.
 *
 * Setting and removing the alarm are storage calls that may overlap: they run one after the
 * other, and each asks whether tasks run when its turn comes, so the last one leaves the
 * alarm as the runner is then.
 */
export class TaskHeartbeat {
  #scheduled = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly d: {
      scheduler: Scheduler;
      busy(): boolean;
      pump(): void;
      workspaceId(): string;
    },
  ) {}

  ensure(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#then(async () => {
      if (!this.d.busy()) return;
      const existing = (await this.d.scheduler.list()).some((s) => s.callback === "resumeTasks");
      if (!existing) await this.d.scheduler.every(TASK_HEARTBEAT_SECONDS, "resumeTasks");
    }, "could not schedule the tasks' heartbeat");
  }

  /** The runner's loops ended: with nothing queued or running, the alarm goes now. */
  settle(): void {
    if (!this.#scheduled || this.d.busy()) return;
    this.#scheduled = false;
    this.#then(() => this.#cancel(), "could not remove the tasks' heartbeat");
  }

  async run(): Promise<void> {
    this.d.pump();
    if (this.d.busy()) return;
    this.#scheduled = false;
    this.#then(() => this.#cancel(), "could not remove the tasks' heartbeat");
    await this.#chain;
  }

  async #cancel(): Promise<void> {
    if (this.d.busy()) return;
    for (const schedule of await this.d.scheduler.list())
      if (schedule.callback === "resumeTasks") await this.d.scheduler.cancel(schedule.id);
  }

  #then(step: () => Promise<void>, failure: string): void {
    this.#chain = this.#chain.then(step).catch((error: unknown) => {
      // Unknown now: the next ensure tries again; a beat left behind removes itself.
      this.#scheduled = false;
      console.error(JSON.stringify({ msg: failure, workspace: this.d.workspaceId(), error: String(error) }));
    });
  }
}
