// Instances end to end: the real server (as `npm start` runs it) with the real OpenClaw
// runtime (process host) beside it, and a real gateway started through the Autopilot
// after a person approves. Nothing is faked. Scheduled backups run every 2 s here (keeping 3)
// so the schedule, its jobs and retention show within the test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Approval } from "../../shared/protocol/approvals";
import type { Instance, InstanceBackup, InstanceOperation } from "../../shared/protocol/instances";
import { ensureDevVars, freePort } from "../../party/dev/server.mjs";
import { tenantCredential } from "../../shared/runtime/tenant";
import type { AutopilotClient } from "../src/client";
import { type RunningRuntime, startRuntime } from "../../party/dev/runtime.mjs";
import {
  addSecondPerson,
  createKey,
  ownWorkspace,
  personClient,
  signUp,
  until,
  withServer,
  startCli,
} from "./e2e-helpers";

let runtime: RunningRuntime;
let runtimeUrl: string;
let runtimeDataDir: string;
let token: string;
const clients: AutopilotClient[] = [];

beforeAll(async () => {
  // The operator's token from .dev.vars (this test asks the runtime directly with it); the runtime
  // also gets the tenant key the Worker reads from there (startRuntime's default).
  token = ensureDevVars().RUNTIME_SERVICE_TOKEN!;
  runtimeDataDir = mkdtempSync(join(tmpdir(), "autopilot-runtime-"));
  runtime = await startRuntime({ port: await freePort(), dataDir: runtimeDataDir, serviceToken: token });
  runtimeUrl = runtime.url;
});
afterAll(async () => {
  await runtime?.stop();
  if (runtimeDataDir) rmSync(runtimeDataDir, { recursive: true, force: true });
});

const server = withServer(() => ({
  vars: { RUNTIME_URL: runtimeUrl, BACKUP_INTERVAL_SECONDS: "2", BACKUP_KEEP: "3" },
}));

afterAll(() => {
  for (const c of clients) c.close();
});

/** The `autopilot` CLI on the machine's own Node, as an agent runs it. */
const cli = (args: string[], target: { workspace: string; key: string }) =>
  startCli({ url: server.url, ...target }, args);

/** Instance "work"'s pending approval of `operation`, approved by `person` once it reaches them. */
async function approveWhenAsked(person: AutopilotClient, operation: InstanceOperation): Promise<Approval> {
  const approval = await until(
    () =>
      [...person.state.approvals.values()].find(
        (a) =>
          a.action?.kind === "instance" &&
          a.action.instanceId === "work" &&
          a.action.operation === operation &&
          a.status === "pending",
      ),
    `the ${operation} approval at the person`,
    15_000,
  );
  await person.approvals.resolve({ approvalId: approval.id, decision: "approve" });
  return approval;
}

async function runtimeGet<T>(path: string): Promise<T> {
  const res = await fetch(`${runtimeUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as T;
}

describe("OpenClaw instances through the Autopilot", () => {
  it("an agent asks through the CLI, a person approves, the gateway starts with live phases and reaches ready; delete stops it", async () => {
    const { cookie } = await signUp(server.url, "Olga");
    const workspace = await ownWorkspace(server.url, cookie);
    const key = await createKey(server.url, cookie, workspace, { name: "ops-bot" });

    const person = personClient(server.url, cookie, workspace, "laptop");
    clients.push(person);
    await person.ready();
    const phases: string[] = [];
    const progress: number[] = [];
    person.on("instance.updated", ({ instance }: { instance: Instance }) => {
      if (phases.at(-1) !== instance.phase) phases.push(instance.phase);
      progress.push(instance.progress);
    });

    // The agent uses the CLI, as an operator's script would: it asks, then follows through.
    const provision = cli(["instance", "provision", "work", "--name", "Work", "--wait-done"], { workspace, key });
    const approval = await approveWhenAsked(person, "provision");
    expect(await provision.exit, provision.stderr).toBe(0);
    // It narrated the start on stderr and printed the ready instance as its last line.
    expect(provision.stderr).toMatch(/waiting for gateway handshake/);
    expect(provision.lines().at(-1)).toMatchObject({
      instance: { id: "work", status: "ready" },
      job: { status: "succeeded" },
    });

    await until(
      () => ["ready", "error"].includes(person.state.instances.get("work")?.status ?? ""),
      "instance ready at the person",
      10_000,
    );
    const ready = person.state.instances.get("work")!;
    expect(ready, JSON.stringify(ready)).toMatchObject({ status: "ready", progress: 100 });
    // The person watched it come up: several phases, progress never going backwards.
    expect(phases.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const job = person.state.jobs.get(ready.jobId!)!;
    expect(job).toMatchObject({ status: "succeeded", title: approval.title });
    // The runtime really runs one gateway for this workspace, and no secret reached a client.
    const status = await runtimeGet<{ ok: boolean; data: { state: string; pid: number } }>(
      `/v1/workspaces/${workspace}/instances/work`,
    );
    expect(status.data.state).toBe("ready");
    process.kill(status.data.pid, 0); // throws if the process does not exist
    // Neither the runtime's service token nor the Worker's tenant key or the workspace's credential
    // derived from it: not in the state, not in the details (read through the runtime with that credential).
    const tenantKey = ensureDevVars().RUNTIME_TENANT_KEY!;
    const seen = JSON.stringify([
      [...person.state.instances.values()],
      [...person.state.jobs.values()],
      await person.instances.details({ instanceId: "work" }),
    ]);
    for (const secret of [token, tenantKey, await tenantCredential(tenantKey, workspace)])
      expect(seen).not.toContain(secret);

    const deleting = cli(["instance", "delete", "work", "--wait-done"], { workspace, key });
    await approveWhenAsked(person, "delete");
    expect(await deleting.exit, deleting.stderr).toBe(0);
    expect(person.state.instances.get("work")?.status).toBe("stopped");
    expect(() => process.kill(status.data.pid, 0)).toThrow();
  }, 240_000);

  it("scheduled backups run as jobs and retention prunes; a restore brings back the chosen backup's state", async () => {
    const { person, approver, workspace } = await owner("keeper");
    const { approval } = await person.instances.provision({ instanceId: "keep", name: "Keep" });
    await approver.approvals.resolve({ approvalId: approval.id, decision: "approve" });
    await until(() => person.state.instances.get("keep")?.status === "ready", "instance ready", 120_000);
    const details = async () => (await person.instances.details({ instanceId: "keep" })).details;
    // What an agent in the gateway would have written into its workspace.
    const marker = join(runtimeDataDir, "instances", workspace, "keep", "workspace", "marker.txt");
    /** The first backup the schedule *started* after `t` (ids are start times), so it holds what was written before. */
    const backupStartedAfter = (t: number) =>
      until(async () => (await details()).backups.find((b) => startedAt(b) > t), "a scheduled backup", 30_000);

    writeFileSync(marker, "state A");
    const a = await backupStartedAfter(Date.now());
    writeFileSync(marker, "state B");
    await backupStartedAfter(Date.now());
    expect(readFileSync(marker, "utf8")).toBe("state B");

    const restore = await person.instances.restore({ instanceId: "keep", backupId: a.id });
    expect(restore.approval.action).toMatchObject({ operation: "restore", backupId: a.id });
    await approver.approvals.resolve({ approvalId: restore.approval.id, decision: "approve" });
    const job = await until(
      () => [...person.state.jobs.values()].find((j) => j.title === restore.approval.title && j.status !== "running"),
      "restore job",
      120_000,
    );
    expect(job.status, job.error ?? "").toBe("succeeded");
    expect(person.state.instances.get("keep")?.status).toBe("ready");
    expect(readFileSync(marker, "utf8")).toBe("state A");
    const restored = await details();
    expect(restored).toMatchObject({
      restoredFrom: a.id,
      gatewayVersion: expect.stringMatching(/\d/),
      schedule: { intervalSeconds: 2, keep: 3 },
    });
    expect(restored.readyAt).toBeGreaterThan(startedAt(a));

    // The schedule's runs are jobs; once more than 3 exist, each run prunes the oldest.
    const pruned = await until(
      () =>
        [...person.state.jobs.values()].find(
          (j) =>
            j.title === 'Scheduled backup of OpenClaw instance "Keep"' &&
            j.status === "succeeded" &&
            /removed 1 older/.test(j.message ?? ""),
        ),
      "a scheduled backup that pruned",
      60_000,
    );
    expect(pruned.message).toMatch(/^backed up: \S+\.tar\.gz; removed 1 older/);
    // A backup the schedule started before `a` may be the one that first prune removed; the runs
    // after it prune on, so `a` goes too, and never more than 3 stay.
    const left = await until(
      async () => {
        const backups = (await details()).backups;
        return backups.some((b) => b.id === a.id) ? undefined : backups;
      },
      "the restored-from backup pruned",
      60_000,
    );
    expect(left.length).toBeLessThanOrEqual(3);
    expect(left.map((b) => b.id)).not.toContain(a.id);

    const del = await person.instances.delete({ instanceId: "keep" });
    await approver.approvals.resolve({ approvalId: del.approval.id, decision: "approve" });
    await until(() => person.state.instances.get("keep")?.status === "stopped", "deleted", 60_000);
  }, 300_000);
});

/** A backup id is its start time (`2026-11-22T13-41-47-123Z.tar.gz`). */
function startedAt(backup: InstanceBackup): number {
  return Date.parse(backup.id.replace(/T(\d\d)-(\d\d)-(\d\d)-(\d{3})Z\.tar\.gz$/, "T$1:$2:$3.$4Z"));
}

/** A new account (its own workspace) connected as a person. */
async function owner(name: string) {
  const { cookie } = await signUp(server.url, name);
  const workspace = await ownWorkspace(server.url, cookie);
  const person = personClient(server.url, cookie, workspace, "laptop");
  clients.push(person);
  await person.ready();
  // A second person decides what the first asks for (never whoever asked).
  const second = await addSecondPerson(server.url, cookie, workspace, `${name}-approver`);
  const approver = personClient(server.url, second.cookie, workspace, "phone");
  clients.push(approver);
  await approver.ready();
  return { person, approver, workspace };
}
