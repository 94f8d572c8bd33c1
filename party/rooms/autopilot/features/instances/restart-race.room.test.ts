// A restart (or restore) races the instance's bridge: the bridge may have read the runtime's
// status just before the runtime got the restart — the old "ready" — and mirror it after
// the room wrote "starting". That stale ready must neither show the instance ready nor
// finish the restart's job; the operation's own watch, which reads only after the
// runtime answered, takes the instance through its phases to ready.
import { describe, expect, it } from "vitest";
import { commitTo } from "../../kernel/commit";
import { getInstance } from "../instance-store/instances";
import { runInstanceOperation } from "./operations";
import { BridgeSupervisor } from "../gateway-bridge/bridge-supervisor";
import type { RuntimeClient, RuntimeInstanceStatus } from "../instance-store/runtime-client";
import { inRoom, seedInstance, until } from "../../../../test/bridge-peer";
import { approvedOperation, operationDeps, runtimeStatus } from "../../../../test/instance-ops";

const status = (
  state: RuntimeInstanceStatus["state"],
  phase: RuntimeInstanceStatus["phase"],
  progress: number,
  version: number,
): RuntimeInstanceStatus =>
  runtimeStatus({
    state,
    phase,
    progress,
    readyAt: state === "ready" ? new Date(0).toISOString() : null,
    restarts: version > 1 ? 1 : 0,
    version,
  });

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("a restart racing the bridge", () => {
  it("a stale ready the bridge read before the runtime got the restart neither shows ready nor finishes the job", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, { bridge: "offline" });
      // The bridge's first status read is in flight when the restart is approved.
      const staleRead = deferred<RuntimeInstanceStatus>();
      const restartAnswer = deferred<RuntimeInstanceStatus>();
      let bridgeReads = 0;
      let watchReads = 0;
      let bridgeDials = 0;
      const runtime = {
        status: (_ws: string, _id: string, since: number, waitMs: number) => {
          // The bridge's first read asks for the status at once (waitMs 0); the watch long-polls.
          if (waitMs === 0 && bridgeReads++ === 0) return staleRead.promise;
          if (waitMs === 0) return new Promise(() => {});
          watchReads++;
          return Promise.resolve(
            since === 0 ? status("starting", "waiting for gateway handshake", 60, 5) : status("ready", "ready", 100, 6),
          );
        },
        provision: () => Promise.reject(new Error("not here")),
        // The bridge's next step after a read that says ready: it dials the gateway.
        credentials: () => {
          bridgeDials++;
          return Promise.reject(new Error("not here"));
        },
        // The gateway is down while it restarts.
        openGateway: () => Promise.reject(new Error("the gateway is restarting")),
        restart: () => restartAnswer.promise,
      } as unknown as RuntimeClient;
      const publish = () => {};
      const supervisor = new BridgeSupervisor({
        sql,
        commit: commitTo(sql, 1000, publish),
        broadcast: () => {},
        workspaceId: () => "ws_test",
        runtime: () => runtime,
        vars: () => ({}),
        sessionsChanged: () => {},
      });
      supervisor.ensure();
      await until(() => bridgeReads === 1);
      const deps = operationDeps(sql, [], {
        runtime,
        awaitingRuntime: (id, active) => supervisor.awaitingRuntime(id, active),
      });
      const done = runInstanceOperation(
        deps,
        approvedOperation("restart", { id: "apr_restart", title: 'Restart OpenClaw instance "Work"' }),
      );
      const jobId = getInstance(sql, "inst")!.jobId!;
      const job = () => sql.one<{ status: string }>(`select status from jobs where id = ?`, jobId)!.status;
      expect(getInstance(sql, "inst")).toMatchObject({ status: "starting", phase: "queued", progress: 0 });

      // The read from before the restart lands now.
      // The bridge mirrors a read before it acts on it: once it dials, the stale read has
      // been mirrored (or, as it must be, left out).
      staleRead.resolve(status("ready", "ready", 100, 1));
      await until(() => bridgeDials === 1);
      expect(getInstance(sql, "inst")).toMatchObject({ status: "starting", phase: "queued", progress: 0 });
      expect(job()).toBe("running");

      // The runtime answers the restart; the watch follows it to ready and finishes the job.
      restartAnswer.resolve(status("provisioning", "queued", 0, 4));
      await done;
      expect(watchReads).toBeGreaterThanOrEqual(2);
      expect(getInstance(sql, "inst")).toMatchObject({ status: "ready", progress: 100 });
      expect(job()).toBe("succeeded");
      // Stops the bridge (as a delete would), so nothing outlives the test.
      supervisor.deleting("inst", true);
      supervisor.ensure();
      expect(supervisor.size).toBe(0);
    });
  });
});
