// Schedules against the real server (wrangler dev), made with the real CLI as an agent: they
// run with no client connected, across a restart of the server on the same data, each
// occurrence once. The shortest interval is lowered (SCHEDULE_MIN_INTERVAL_SECONDS) so a
// schedule may run every two seconds. The server's clock is the machine's: the test lets time
// pass with nobody connected (a wait before looking whether something ran, never before
// asserting that something did not), then waits for what the server reports (a schedule's
// status, its last run) and reads the thread's messages.
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Schedule } from "../../shared/protocol/schedules";
import type { Message } from "../../shared/protocol/threads";
import type { AutopilotClient } from "../src/client";
import { createKey, ownWorkspace, personClient, signUpVerified, withServer, agentCli } from "./e2e-helpers";

const EVERY_MS = 2000;

const server = withServer({ vars: { SCHEDULE_MIN_INTERVAL_SECONDS: "2" } });
let workspace: string;
let writerKey: string;
let readerKey: string;
let ownerCookie: string;

const { cli, json } = agentCli(() => ({ url: server.url, workspace, key: writerKey }));

const listed = async (): Promise<Map<string, Schedule>> =>
  new Map((await json<{ schedules: Schedule[] }>(["schedules", "list"])).schedules.map((s) => [s.id, s]));

/** Asks the server (through the CLI) until `check` holds for its schedules; what it reported then. */
async function serverReports(
  check: (schedules: Map<string, Schedule>) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<Map<string, Schedule>> {
  return vi.waitFor(
    async () => {
      const schedules = await listed();
      if (check(schedules)) return schedules;
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify([...schedules.values()])}`);
    },
    { timeout: timeoutMs, interval: 250 },
  );
}

/** Waits on the machine's clock until `at`: for a time to pass, before looking whether something happened. */
const passes = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

async function messages(person: AutopilotClient, threadId: string): Promise<Message[]> {
  return (await person.messages.list({ threadId, limit: 200 })).messages;
}

beforeAll(async () => {
  const owner = await signUpVerified(server.url, "Owner");
  ownerCookie = owner.cookie;
  workspace = await ownWorkspace(server.url, owner.cookie);
  writerKey = await createKey(server.url, owner.cookie, workspace, { name: "scheduler" });
  readerKey = await createKey(server.url, owner.cookie, workspace, { name: "reader", scopes: ["read"] });
});

describe("autopilot schedules", () => {
  it("refuses bad input with exit 2, and a key without write with exit 3", async () => {
    const person = personClient(server.url, ownerCookie, workspace, "owner-laptop");
    const { thread } = await person.threads.create({ title: "Guarded" });
    person.close();
    const both = await cli(["schedules", "create", "--every", "1h", "--at", "2030-01-01T00:00:00Z", "--prompt", "x"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("exactly one of --every, --cron and --at");
    const noThread = await cli(["schedules", "create", "--every", "1h", "--prompt", "x"]);
    expect(noThread.code).toBe(2);
    expect(noThread.stderr).toContain("--prompt needs --thread");
    const badInterval = await cli(["schedules", "create", "--every", "soon", "--prompt", "x", "--thread", thread.id]);
    expect(badInterval.code).toBe(2);
    // The server's refusals: too often (under the lowered limit), a time that passed.
    const tooOften = await cli(["schedules", "create", "--every", "1500ms", "--prompt", "x", "--thread", thread.id]);
    expect(tooOften.code, tooOften.stderr).toBe(2);
    expect(tooOften.stderr).toContain("at most every 2 s");
    const past = await cli([
      "schedules",
      "create",
      "--at",
      "2020-01-01T00:00:00Z",
      "--prompt",
      "x",
      "--thread",
      thread.id,
    ]);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain("time has passed");
    const zone = await cli([
      "schedules",
      "create",
      "--cron",
      "0 9 * * 1-5",
      "--tz",
      "Mars/Olympus",
      "--task",
      "sum up",
    ]);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain('unknown time zone "Mars/Olympus"');
    const reader = await cli(["schedules", "create", "--every", "1h", "--prompt", "x", "--thread", thread.id], {
      key: readerKey,
    });
    expect(reader.code).toBe(3);
    expect(reader.stderr).toContain("forbidden");
    expect((await json<{ schedules: Schedule[] }>(["schedules", "list"], { key: readerKey })).schedules).toEqual([]);
  });

  // Its own timeout: the occurrences' leads and the quiet it waits out on purpose add up to
  // half a minute, and a server restart and some ten CLI processes (each a Node start and a
  // hello) come on top, on a loaded machine too.
  it("runs with no client connected and across a restart, each occurrence once", async () => {
    const person = personClient(server.url, ownerCookie, workspace, "owner-laptop");
    const { thread } = await person.threads.create({ title: "Standup" });
    person.close();
    /** A one-off at `at` that posts `prompt` to the thread, made from the CLI. */
    const oneOff = (at: number, prompt: string, ...more: string[]) =>
      json<{ schedule: Schedule }>([
        "schedules",
        "create",
        "--at",
        new Date(at).toISOString(),
        "--prompt",
        prompt,
        "--thread",
        thread.id,
        ...more,
      ]);

    // Made from the CLI, which then exits: from here no client is connected. The times are
    // set before the CLI starts, and on a loaded machine a CLI's start and hello take seconds:
    // far enough ahead that the room still finds them in the future.
    const onceAt = Date.now() + 10_000;
    const { schedule: once } = await oneOff(onceAt, "once, with nobody here", "--name", "before the restart");
    const { schedule: every } = await json<{ schedule: Schedule }>(
      ["schedules", "create", "--every", "2s", "--prompt", "-", "--thread", thread.id],
      { stdin: "tick\n" },
    );
    expect(once).toMatchObject({ status: "active", nextRunAt: onceAt, name: "before the restart" });
    expect(every).toMatchObject({
      status: "active",
      nextRunAt: every.createdAt + EVERY_MS,
      createdBy: { kind: "agent" },
    });

    // Nobody asks until the one-off's time has passed: what ran, ran on the room's alarm.
    await passes(onceAt + 3000);
    const firstLook = Date.now();
    const before = await serverReports((s) => s.get(once.id)?.status === "done", "the one-off to have run");
    expect(before.get(once.id)?.lastRunAt).toBeLessThan(firstLook);
    expect(before.get(every.id)?.lastOutcome).toMatch(/^posted its prompt to “Standup”/);

    // A second one-off comes due while the server is down (after the CLI made it and the server stopped).
    const acrossAt = Date.now() + 12_000;
    const { schedule: across } = await oneOff(acrossAt, "once, across the restart");
    await server.stop();
    const downSince = Date.now();
    await passes(acrossAt + 2000);
    await server.start();
    const restartedAt = Date.now();
    // Nobody asks for a while after the restart either: the room's alarm wakes it.
    await passes(restartedAt + 5000);
    const lookAfterRestart = Date.now();

    const after = await serverReports(
      (s) => s.get(across.id)?.status === "done" && (s.get(every.id)?.lastRunAt ?? 0) > restartedAt,
      "the one-off and the interval to have run after the restart",
    );
    expect(after.get(across.id)?.lastRunAt).toBeGreaterThan(downSince);
    expect(after.get(across.id)?.lastRunAt).toBeLessThan(lookAfterRestart);
    const paused = await json<{ schedule: Schedule }>(["schedules", "pause", every.id]);
    expect(paused.schedule).toMatchObject({ status: "paused", nextRunAt: null });

    const reader = personClient(server.url, ownerCookie, workspace, "owner-laptop");
    try {
      const posted = await messages(reader, thread.id);
      const texts = posted.map((m) => m.text);
      expect(texts.filter((t) => t === "once, with nobody here")).toHaveLength(1);
      expect(texts.filter((t) => t === "once, across the restart")).toHaveLength(1);
      const ticks = posted.filter((m) => m.text === "tick");
      // Runs while nobody was connected, and after the restart; never more runs than
      // occurrences came due between its first and its pause.
      expect(ticks.some((m) => m.createdAt < firstLook)).toBe(true);
      expect(ticks.some((m) => m.createdAt > restartedAt)).toBe(true);
      const occurrences = Math.floor((paused.schedule.updatedAt - (every.createdAt + EVERY_MS)) / EVERY_MS) + 1;
      expect(ticks.length).toBeLessThanOrEqual(occurrences);
      // Each by the agent that made the schedules, in their name.
      expect(new Set(posted.map((m) => m.author.kind))).toEqual(new Set(["agent"]));
    } finally {
      reader.close();
    }
    expect(await json(["schedules", "delete", once.id])).toEqual({ deleted: true });
  }, 120_000);
});
