// The protocol window as an operator rehearses a retirement (PROTOCOL_RETIREMENTS): a version
// past its day is refused with 4008 naming what the server speaks, the clients of one leaving
// within 30 days are told in their hello, the library emits `deprecated` once and the CLI
// prints one line on stderr while doing its work. Against the real server (wrangler dev).
import { pathToFileURL } from "node:url";
import { keptFile } from "./kept/kept";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HelloPayload } from "../../shared/protocol/hello";
import { offeredCapabilities } from "../../shared/protocol/capabilities";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import { AutopilotClient } from "../src/client";
import type { ProtocolDeprecation } from "../src/client-types";
import { agentCli, createKey, ownWorkspace, signUpVerified, until, withServer } from "./e2e-helpers";

// The current version's last day as announced: ten days from now, inside the notice period.
const lastDay = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
const server = withServer({
  vars: { PROTOCOL_RETIREMENTS: JSON.stringify({ 17: "2026-01-01", [PROTOCOL_VERSION]: lastDay }) },
});
let workspace: string;
let key: string;
const closers: Array<() => void> = [];

beforeAll(async () => {
  const alice = await signUpVerified(server.url, "Alice");
  workspace = await ownWorkspace(server.url, alice.cookie);
  key = await createKey(server.url, alice.cookie, workspace, { name: "long-running-agent" });
});

afterAll(() => {
  for (const close of closers) close();
});

/** A socket asking for `protocol`, as any client would: its first frame, or how it closed. */
function rawConnect(protocol: number): Promise<{ hello?: HelloPayload; close?: { code: number; reason: string } }> {
  const url = `${server.url.replace("http", "ws")}/agents/autopilot/${workspace}?protocol=${protocol}&device=raw`;
  const ws = new WebSocket(url, { headers: { "x-api-key": key } });
  closers.push(() => ws.close());
  return new Promise((resolve, reject) => {
    ws.once("message", (data) => {
      resolve({ hello: (JSON.parse(String(data)) as { payload: HelloPayload }).payload });
      ws.close();
    });
    ws.once("close", (code, reason) => resolve({ close: { code, reason: String(reason) } }));
    ws.once("error", reject);
  });
}

describe("the protocol window, an operator's retirement rehearsed", () => {
  it("refuses a version past its day with 4008 and the versions it speaks", async () => {
    expect(await rawConnect(17)).toEqual({
      close: {
        code: 4008,
        reason: `protocol 17 is not supported: this server speaks protocols 18 to ${PROTOCOL_VERSION}`,
      },
    });
    // The client kept for 17 hears it at once and stops, saying to update: the Worker refuses
    // from the connect's own request (a socket the room closed as it connected kept its TCP
    // connection until the room went idle, and the client took the silence for a room that
    // sent no hello, trying again).
    const fixture = pathToFileURL(keptFile(17, "index.mjs")).href;
    const kept = (await import(/* @vite-ignore */ fixture)) as {
      AutopilotClient: new (options: Record<string, unknown>) => { ready(): Promise<unknown>; close(): void };
    };
    const pinned = new kept.AutopilotClient({ url: server.url, workspace, apiKey: key, device: "pinned" });
    closers.push(() => pinned.close());
    await expect(pinned.ready()).rejects.toMatchObject({
      code: "protocol_unsupported",
      message: expect.stringContaining(`it speaks protocols 18 to ${PROTOCOL_VERSION}): update your client`),
    });
    // 18 is not leaving: its hello says nothing of it (and an 18 client could not read it).
    const older = await rawConnect(18);
    expect(older.hello?.protocol).toBe(18);
    expect(older.hello).not.toHaveProperty("deprecated");
  });

  it("tells a client of a version leaving within 30 days in its hello; the library emits it once", async () => {
    const raw = await rawConnect(PROTOCOL_VERSION);
    expect(raw.hello?.deprecated).toEqual({
      removedAfter: lastDay,
      upgrade: expect.stringContaining("autopilot-client.tgz"),
    });
    expect(raw.hello?.capabilities).toEqual(offeredCapabilities(PROTOCOL_VERSION));

    const client = new AutopilotClient({ url: server.url, workspace, apiKey: key, device: "agent" });
    closers.push(() => client.close());
    const told: ProtocolDeprecation[] = [];
    client.on("deprecated", (notice) => told.push(notice));
    await client.ready();
    await until(() => told.length > 0, "the deprecation", 10_000);
    expect(told).toEqual([{ protocol: PROTOCOL_VERSION, ...raw.hello!.deprecated! }]);
    // It keeps working meanwhile.
    const { thread } = await client.threads.create({ title: "Still working" });
    expect(thread.title).toBe("Still working");
  });

  it("the CLI prints one line on stderr and its output stays the command's JSON", async () => {
    const { cli } = agentCli(() => ({ url: server.url, workspace, key }));
    const run = await cli(["threads"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ threads: [expect.objectContaining({ title: "Still working" })] });
    expect(run.stderr.trim().split("\n")).toEqual([
      `autopilot: this server stops speaking protocol ${PROTOCOL_VERSION} after ${lastDay}; install the current client: npm install <this server>/autopilot-client.tgz (or reload the app)`,
    ]);
  });
});
