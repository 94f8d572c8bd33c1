// Files reach an OpenClaw instance, end to end: the real server (wrangler dev, R2 on disk),
// the real runtime (process host) running the pinned `openclaw` gateway, and the scripted
// model as the only stand-in. A file uploaded with `POST /files/<ws>` and sent in a thread
// the instance answers goes to the gateway with `chat.send {attachments}`: the gateway
// inlines a text file into its model's prompt (the scripted model records it) and keeps an
// image in its media store (read from the instance's state directory).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markerScript, userTexts } from "../../runtime/test/scripted-model";
import { withOpenClawStack } from "./openclaw-stack";
import type { AutopilotClient } from "../src/client";
import { instanceAnswer, instanceThread, provisionConnected, until, waitForMessage } from "./e2e-helpers";
import { type recordingClients, recordedAliceAndBob } from "./recording-clients";

const stack = withOpenClawStack("gwfiles", { reply: markerScript });
const { model } = stack;
let baseUrl: string;
let workspace: string;
let cookie: string;
let alice: AutopilotClient;
let members: ReturnType<typeof recordingClients>;
let threadId: string;
const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
/** The smallest real PNG (1×1, one transparent pixel). */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

async function upload(bytes: Uint8Array<ArrayBuffer>, type: string, name: string): Promise<string> {
  const res = await fetch(`${baseUrl}/files/${workspace}`, {
    method: "POST",
    headers: { origin: baseUrl, cookie, "content-type": type, "x-file-name": encodeURIComponent(name) },
    body: bytes,
  });
  const body = (await res.json()) as { file: { id: string } };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.file.id;
}

/** Alice sends `text` in the instance's thread with the files uploaded as `ids`: her message, as the room took it. */
const sendWithFiles = async (text: string, ids: string[]) =>
  (await alice.request("chat.send", { threadId, text, attachments: ids, idempotencyKey: key("send") })).message;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((p) => join(dir, p))
    .filter((p) => statSync(p).isFile());
}

beforeAll(async () => {
  baseUrl = stack.server.url;
  let bob: AutopilotClient;
  ({ cookie, workspace, members, alice, bob } = await recordedAliceAndBob(baseUrl, { verified: false }));
  await provisionConnected(alice, bob, { seen: true });
  threadId = await instanceThread(alice, "Files for OpenClaw");
}, 300_000);

afterAll(() => {
  members?.closeAll();
});

describe("files reach an OpenClaw instance's gateway", () => {
  it("a text file sent in the instance's thread is in the prompt the gateway gives its model", async () => {
    const marker = `ledger-${Math.random().toString(36).slice(2, 10)}`;
    const id = await upload(
      new TextEncoder().encode(`quarterly numbers\n${marker}: 42\n`),
      "text/plain",
      "ledger notes.txt",
    );
    const before = model.requests.length;
    const message = await sendWithFiles("SAY: read it", [id]);
    expect(message.attachments?.map((a) => a.name)).toEqual(["ledger notes.txt"]);
    await instanceAnswer(alice, threadId, message, (m) => m.text === "read it");
    const prompts = model.requests.slice(before).flatMap((r) => userTexts(r));
    const withFile = prompts.find((t) => t.includes(`${marker}: 42`));
    expect(withFile, JSON.stringify(prompts).slice(0, 2000)).toBeDefined();
    // The gateway keeps the file under the name it was sent with (made safe) and says its type.
    expect(withFile).toMatch(/<file name="ledger_notes---[^"]+\.txt" mime="text\/plain">/);
    expect(withFile).toContain("read it");
    // Nothing was left out.
    const { messages } = await alice.request("messages.list", { threadId, limit: 200 });
    expect(messages.filter((m) => m.kind === "error")).toEqual([]);
  }, 180_000);

  it("an image sent with no text is stored by the gateway, byte for byte", async () => {
    const id = await upload(PNG, "image/png", "pixel.png");
    const message = await sendWithFiles("", [id]);
    expect(message.attachments?.map((a) => a.type)).toEqual(["image/png"]);
    const instanceDir = join(stack.dataDir, "instances", workspace, "work");
    const stored = await until(
      () => {
        const media = join(instanceDir, "state", "media", "inbound");
        try {
          // Not the gateway's temporary copy (".fs-safe-….tmp"), which it renames once written.
          return filesUnder(media).find((p) => !basename(p).startsWith(".") && readFileSync(p).equals(PNG));
        } catch {
          return undefined;
        }
      },
      "the image in the gateway's media store",
      60_000,
    );
    expect(stored).toMatch(/\.png$/);
    const { messages } = await alice.request("messages.list", { threadId, limit: 200 });
    expect(messages.filter((m) => m.kind === "error")).toEqual([]);
  }, 120_000);

  it("large files: one of 8 MiB crosses to the gateway in one frame; a second would pass 20 MiB of base64 and is left out, said in the thread", async () => {
    const MiB = 1024 * 1024;
    const marker = `bulk-${Math.random().toString(36).slice(2, 10)}`;
    const csv = (head: string) => {
      const bytes = new Uint8Array(8 * MiB).fill(0x0a);
      const row = new TextEncoder().encode("1,2,3,4,5,6,7,8,9\n");
      for (let at = 0; at + row.length <= bytes.length; at += row.length) bytes.set(row, at);
      bytes.set(new TextEncoder().encode(`${head}\n`));
      return bytes;
    };
    const first = await upload(csv(`${marker},id`), "text/csv", "first.csv");
    const second = await upload(csv("second,id"), "text/csv", "second.csv");
    const before = model.requests.length;
    const message = await sendWithFiles("SAY: got the big one", [first, second]);
    const notice = await waitForMessage(
      alice,
      threadId,
      (m) => m.kind === "error",
      "the notice of the file left out",
      60_000,
    );
    expect(notice.text).toBe(
      "Not sent to OpenClaw with this message: second.csv (too large: a message takes at most 15 MiB of files).",
    );
    await instanceAnswer(alice, threadId, message, (m) => m.text === "got the big one");
    const prompts = model.requests.slice(before).flatMap((r) => userTexts(r));
    expect(prompts.some((t) => t.includes(`${marker},id`))).toBe(true);
    expect(prompts.some((t) => t.includes("second,id"))).toBe(false);
  }, 180_000);
});
