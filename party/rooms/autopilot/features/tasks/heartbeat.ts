import type { Scheduler } from "agents/schedules";

/** How often a room with running tasks wakes itself, in case it was evicted mid-task. */
export const TASK_HEARTBEAT_SECONDS = 30;

/**
 * While tasks run, the room keeps a recurring alarm (`resumeTasks`): a room evicted or
 * restarted mid-task wakes on it with no client connected, and its start resumes each
 * running task at the step it was on (decision 41). Once nothing runs, the alarm goes.
 */
export class TaskHeartbeat {
  #scheduled = false;

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
    void (async () => {
      const existing = (await this.d.scheduler.list()).some((s) => s.callback === "resumeTasks");
      if (!existing) await this.d.scheduler.every(TASK_HEARTBEAT_SECONDS, "resumeTasks");
    })().catch((error: unknown) => {
      this.#scheduled = false;
      console.error(
        JSON.stringify({
          msg: "could not schedule the tasks' heartbeat",
          workspace: this.d.workspaceId(),
          error: String(error),
        }),
      );
    });
  }

  async run(): Promise<void> {
    this.d.pump();
    if (this.d.busy()) return;
    for (const schedule of await this.d.scheduler.list())
      if (schedule.callback === "resumeTasks") await this.d.scheduler.cancel(schedule.id);
    this.#scheduled = false;
  }
}
