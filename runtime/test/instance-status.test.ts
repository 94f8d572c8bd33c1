// Both hosts report an instance's status through one builder (runtime/src/instance-status.ts):
// records that mean the same thing give the same status on either host, whatever each keeps
// differently (nested or flat ids, "no error" as undefined or null, a chosen or fixed port).
import { describe, expect, it } from "vitest";
import type { RuntimeError } from "../../shared/runtime/errors";
import { instanceStatusSchema } from "../../shared/runtime/status";
import { GATEWAY_PORT } from "../sandbox/sandbox-boundary";
import type { InstanceRecord as SandboxRecord } from "../sandbox/instance-records";
import { statusOf, type InstanceRecord as ProcessRecord } from "../src/process-record";
import { REF, setup } from "./sandbox-fakes";

const FAILED: RuntimeError = {
  code: "gateway_failed",
  message: "the gateway exited unexpectedly (exit code 1)",
  retryable: true,
  details: { exitCode: 1 },
};

/** The fields both records share: a start that began, got as far as the handshake, then failed. */
const shared = {
  state: "error" as const,
  phase: "failed" as const,
  phaseSince: Date.parse("2026-11-22T10:00:20.000Z"),
  phases: [
    { phase: "queued" as const, at: "2026-11-22T10:00:00.000Z" },
    { phase: "waiting for gateway handshake" as const, at: "2026-11-22T10:00:10.000Z" },
    { phase: "failed" as const, at: "2026-11-22T10:00:20.000Z" },
  ],
  progress: 80,
  startedAtMs: Date.parse("2026-11-22T10:00:00.000Z"),
  readyAtMs: null,
  startupMs: null,
  restoredFrom: "2026-11-21T09-00-00.tar.gz",
  gatewayVersion: "2026.9.6",
  createdAt: "2026-11-20T08:00:00.000Z",
  restarts: 2,
  version: 7,
};

function processRecord(fields: Partial<ProcessRecord>): ProcessRecord {
  return {
    ...shared,
    ref: REF,
    dir: "/data/instances/x",
    port: GATEWAY_PORT,
    token: "t",
    child: undefined,
    generation: 3,
    deleted: false,
    recentOutput: [],
    user: undefined,
    stopping: false,
    error: undefined,
    queue: Promise.resolve(),
    ...fields,
  };
}

async function sandboxStatus(fields: Partial<SandboxRecord>) {
  const { kv, host } = setup();
  const record: SandboxRecord = {
    ...shared,
    workspaceId: REF.workspaceId,
    instanceId: REF.instanceId,
    sandboxId: "sb",
    error: null,
    ...fields,
  };
  kv.put(`${REF.workspaceId}/${REF.instanceId}`, record);
  const status = await host.status(REF);
  if (!status.ok) throw new Error(status.error.message);
  return status.value;
}

describe("instance status: the same on both hosts", () => {
  it("a failed start: ids, phases, times, restarts, restore and error alike, valid under the contract", async () => {
    const fromProcess = statusOf(processRecord({ error: FAILED }));
    expect(fromProcess).toEqual(await sandboxStatus({ error: FAILED }));
    expect(instanceStatusSchema.parse(fromProcess)).toEqual(fromProcess);
    expect(fromProcess).toMatchObject({
      workspaceId: REF.workspaceId,
      startedAt: "2026-11-22T10:00:00.000Z",
      readyAt: null,
      port: GATEWAY_PORT,
      pid: null,
      error: FAILED,
    });
  });

  it("a record that never started: no port, no times, and no error as null on both (undefined on the process host)", async () => {
    const never = {
      startedAtMs: null,
      restoredFrom: null,
      gatewayVersion: null,
      state: "stopped" as const,
      phase: "stopped" as const,
      phases: [],
    };
    const fromProcess = statusOf(processRecord({ ...never, port: undefined }));
    expect(fromProcess).toEqual(await sandboxStatus(never));
    expect(fromProcess).toMatchObject({ port: null, startedAt: null, error: null });
  });
});
