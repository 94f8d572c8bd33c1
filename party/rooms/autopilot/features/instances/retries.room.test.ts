// An approved instance operation that fails for a reason that passes (a gateway that did not
// start in time under load, the runtime unreachable for a moment) is tried again after a
// wait, and the room's state says so meanwhile: the instance's phase and the job's message.
// What does not pass fails at once; what keeps failing fails after the last try, saying how
// many it took. The runtime is scripted here (its own tests run the real one).
import { describe, expect, it } from "vitest";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import type { Instance } from "../../../../../shared/protocol/instances";
import type { Job } from "../../../../../shared/protocol/jobs";
import { RoomError } from "../../../../domain/errors";
import { runInstanceOperation } from "./operations";
import { getInstance } from "../instance-store/instances";
import type { RuntimeClient, RuntimeInstanceStatus } from "../instance-store/runtime-client";
import type { Sql } from "../../../../domain/sql";
import { inRoom, seedInstance } from "../../../../test/bridge-peer";
import { approvedOperation, operationDeps, runtimeStatus } from "../../../../test/instance-ops";

const status = (
  state: RuntimeInstanceStatus["state"],
  version: number,
  error: RuntimeInstanceStatus["error"] = null,
): RuntimeInstanceStatus =>
  runtimeStatus({
    state,
    phase: state === "ready" ? "ready" : state === "error" ? "failed" : "queued",
    progress: state === "ready" ? 100 : 0,
    readyAt: state === "ready" ? new Date(0).toISOString() : null,
    error,
    version,
  });

const TIMED_OUT = { code: "gateway_failed" as const, message: "the gateway did not answer within 120000 ms" };

/** Deps for a room with a scripted runtime; what it published, in order. */
function deps(sql: Sql, runtime: Partial<RuntimeClient>) {
  const events: DurableEvent[] = [];
  const ops = operationDeps(sql, events, { runtime: runtime as RuntimeClient, retryDelaysMs: [600, 600] });
  const instances = () =>
    events.flatMap((e) => (e.event === "instance.updated" ? [(e.payload as { instance: Instance }).instance] : []));
  const jobs = () => events.flatMap((e) => (e.event.startsWith("job.") ? [(e.payload as { job: Job }).job] : []));
  return { ops, instances, jobs };
}

describe("instance operations that fail for a passing reason", () => {
  it("a restart whose gateway did not start is tried again after a wait, saying so, and gets the instance ready", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      let restarts = 0;
      const { ops, instances, jobs } = deps(sql, {
        restart: async () => {
          restarts++;
          return status("provisioning", restarts * 2 - 1);
        },
        // The first start times out under load; the second comes up.
        status: async () => (restarts === 1 ? status("error", 2, TIMED_OUT) : status("ready", 4)),
      });
      await runInstanceOperation(ops, approvedOperation("restart"));
      expect(restarts).toBe(2);
      expect(getInstance(sql, "inst")).toMatchObject({ status: "ready", error: null });
      // While it waited, everyone's state said it would try again: never an error.
      expect(instances().map((i) => [i.status, i.phase])).toEqual([
        ["starting", "queued"],
        ["starting", "retrying (attempt 2 of 3)"],
        ["ready", "ready"],
      ]);
      const messages = jobs().map((j) => [j.status, j.message]);
      expect(messages).toContainEqual([
        "running",
        `failed: ${TIMED_OUT.message} (gateway_failed); trying again in 1 s (attempt 2 of 3)`,
      ]);
      expect(messages.at(-1)).toEqual(["succeeded", "ready"]);
    });
  });

  it("a runtime that cannot be reached for a moment: the backup is taken on the next try", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      let tries = 0;
      const { ops, jobs } = deps(sql, {
        backup: async () => {
          if (++tries === 1) throw new RoomError("unavailable", "the OpenClaw runtime is unreachable");
          return {
            name: "2026-01-01T00-00-00Z.tar.gz",
            sizeBytes: 10,
            createdAt: new Date(0).toISOString(),
            pruned: [],
          };
        },
      });
      await runInstanceOperation(ops, approvedOperation("backup"));
      expect(tries).toBe(2);
      expect(jobs().at(-1)).toMatchObject({ status: "succeeded", message: "backed up: 2026-01-01T00-00-00Z.tar.gz" });
      expect(getInstance(sql, "inst")).toMatchObject({ status: "ready" });
    });
  });

  it("what keeps failing fails after the last try, saying how many; what does not pass fails at once", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      let restarts = 0;
      const { ops, jobs } = deps(sql, {
        restart: async () => status("provisioning", ++restarts * 2 - 1),
        status: async () => status("error", restarts * 2, TIMED_OUT),
      });
      await runInstanceOperation(ops, approvedOperation("restart"));
      expect(restarts).toBe(3);
      const failure = `${TIMED_OUT.message} (gateway_failed) (after 3 tries)`;
      expect(getInstance(sql, "inst")).toMatchObject({ status: "error", error: failure });
      expect(jobs().at(-1)).toMatchObject({ status: "failed", error: failure });

      let refused = 0;
      const once = deps(sql, {
        restart: async () => {
          refused++;
          throw new RoomError("unavailable", "instance ws_test/inst does not exist", { runtimeCode: "not_found" });
        },
      });
      await runInstanceOperation(once.ops, approvedOperation("restart"));
      expect(refused).toBe(1);
      expect(getInstance(sql, "inst")).toMatchObject({
        status: "error",
        error: "instance ws_test/inst does not exist",
      });
    });
  });
});
