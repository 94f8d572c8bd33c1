// A message's files on their way to a gateway, checked where the gateway sees them: the
// `chat.send` frame a scripted gateway receives carries each file's bytes (read from R2 at
// send time) as base64 with its name and type; what cannot go (gone, unreadable, too large)
// is left out and said in the thread.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type FileReader, MAX_ATTACHMENTS_BASE64, MAX_IMAGE_BYTES } from "./outbox-files";
import { fileById, recordFile } from "../threads/files";
import { queuedFor, sendChat } from "../instance-store/gateway-outbox";
import type { Sql } from "../../../../domain/sql";
import { listMessages } from "../threads/threads";
import { fileBytes } from "../../../../files/storage";
import { asPerson, connectTo, fakeGateway, inRoom, ok, threadBridge } from "../../../../test/bridge-peer";
import { PNG } from "../../../../test/files-harness";
import { uniq } from "../../../../test/harness";
import { traceparent, turnTraceIds } from "../../../../domain/trace-context";

const bucket = (env as unknown as { FILES: R2Bucket }).FILES;
const WS = "ws_test";
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const MiB = 1024 * 1024;

/** A file as an upload leaves it: its record in the room, its bytes in R2 unless `stored` is false. */
async function file(sql: Sql, name: string, type: string, bytes: Uint8Array, stored = true): Promise<string> {
  const id = uniq("file_");
  recordFile(sql, {
    id,
    name,
    type,
    size: bytes.byteLength,
    sha256: "0".repeat(64),
    uploadedBy: "user_1",
    createdAt: Date.now(),
  });
  if (stored) await bucket.put(`${WS}/${id}`, bytes);
  return id;
}

/** The outbox of instance `inst`, reading files through `read` (R2 by default), and a gateway that accepts every chat.send. */
async function setUp(sql: Sql, read: FileReader = fileBytes(bucket, WS)) {
  const { thread, link, outbox: box, gw } = threadBridge(sql, { files: read });
  gw.on("chat.send", (params) => ok({ runId: params.idempotencyKey, status: "started" }));
  link.connection = await connectTo(gw);
  link.caughtUp = true;
  const send = (text: string, attachments: string[]) =>
    asPerson(sql, (ctx) => sendChat(ctx, { threadId: thread.id, text, attachments, idempotencyKey: uniq("k") }))
      .message;
  const errors = () =>
    listMessages(sql, { threadId: thread.id, limit: 50 })
      .messages.filter((m) => m.kind === "error")
      .map((m) => m.text);
  return { link, box, gw, send, errors };
}

describe("bridge outbox: files to the gateway", () => {
  it("chat.send carries each file's bytes as base64 with its name and type, in the order attached", async () => {
    await inRoom(async (sql) => {
      const { box, gw, send, errors } = await setUp(sql);
      const notes = new TextEncoder().encode("line one\nzweite Zeile ü\n");
      const png = await file(sql, "pixel.png", "image/png", PNG);
      const txt = await file(sql, "notes.txt", "text/plain", notes);
      const message = send("see attached", [txt, png]);
      await box.flush();
      const [frame] = gw.requests("chat.send");
      expect(frame?.params).toEqual({
        sessionKey: "main",
        message: "see attached",
        idempotencyKey: message.id,
        attachments: [
          { type: "file", mimeType: "text/plain", fileName: "notes.txt", content: b64(notes) },
          {
            type: "image",
            mimeType: "image/png",
            fileName: "pixel.png",
            content: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
          },
        ],
      });
      // The turn's trace context goes with it (decision 80): the gateway's spans join the room's trace.
      expect((frame as { traceparent?: string }).traceparent).toBe(traceparent(turnTraceIds(WS, message.id)));
      expect(queuedFor(sql, "inst")).toEqual([]);
      expect(errors()).toEqual([]);
      box.stop();
    });
  });

  it("sent while the gateway is away: the outbox keeps the file ids (no bytes) and the files go on reconnect", async () => {
    await inRoom(async (sql) => {
      const { link, box, gw, send } = await setUp(sql);
      link.connection!.close(1006, "gateway went away");
      const body = new TextEncoder().encode("# Plan\n\n- ship it\n");
      const md = await file(sql, "plan.md", "text/markdown", body);
      const message = send("", [md]);
      await box.flush();
      expect(gw.requests("chat.send")).toEqual([]);
      expect(queuedFor(sql, "inst").map((o) => o.fileIds)).toEqual([[md]]);
      const row = sql.one<Record<string, unknown>>("select * from gateway_outbox where message_id = ?", message.id)!;
      expect(row.file_ids).toBe(JSON.stringify([md]));
      expect(JSON.stringify(row)).not.toContain(b64(body));

      const back = fakeGateway();
      back.on("chat.send", (params) => ok({ runId: params.idempotencyKey }));
      link.connection = await connectTo(back);
      await box.flush();
      expect(back.requests("chat.send").map((f) => f.params)).toEqual([
        {
          sessionKey: "main",
          message: "",
          idempotencyKey: message.id,
          attachments: [{ type: "file", mimeType: "text/markdown", fileName: "plan.md", content: b64(body) }],
        },
      ]);
      expect(queuedFor(sql, "inst")).toEqual([]);
      box.stop();
    });
  });

  it("a file gone from R2 or unreadable at send time: the rest goes, and the thread says what was left out", async () => {
    await inRoom(async (sql) => {
      const read = fileBytes(bucket, WS);
      let broken = "";
      const { box, gw, send, errors } = await setUp(sql, (id) =>
        id === broken ? Promise.reject(new Error("R2 is down")) : read(id),
      );
      const kept = await file(sql, "kept.txt", "text/plain", new TextEncoder().encode("still here"));
      const gone = await file(sql, "gone.txt", "text/plain", new TextEncoder().encode("deleted meanwhile"));
      broken = await file(sql, "broken.csv", "text/csv", new TextEncoder().encode("a,b\n1,2\n"));
      const message = send("three files", [gone, kept, broken]);
      await bucket.delete(`${WS}/${gone}`);
      await box.flush();
      expect(gw.requests("chat.send").map((f) => f.params)).toEqual([
        {
          sessionKey: "main",
          message: "three files",
          idempotencyKey: message.id,
          attachments: [
            {
              type: "file",
              mimeType: "text/plain",
              fileName: "kept.txt",
              content: b64(new TextEncoder().encode("still here")),
            },
          ],
        },
      ]);
      expect(errors()).toEqual([
        "Not sent to OpenClaw with this message: gone.txt (no longer available); broken.csv (could not be read).",
      ]);
      expect(fileById(sql, gone)?.messageId).toBe(message.id);

      // Nothing left to send: no text and no file that could be read.
      const lone = await file(sql, "lone.txt", "text/plain", new TextEncoder().encode("x"), false);
      send("", [lone]);
      await box.flush();
      expect(gw.requests("chat.send")).toHaveLength(1);
      expect(queuedFor(sql, "inst")).toEqual([]);
      expect(errors().at(-1)).toBe(
        "Not sent to OpenClaw: none of its files could be sent: lone.txt (no longer available).",
      );
      box.stop();
    });
  });

  it("bounded: an image over 6 MiB is not sent, and a message's files stop at 20 MiB of base64, all said in the thread", async () => {
    await inRoom(async (sql) => {
      const read = fileBytes(bucket, WS);
      const reads: string[] = [];
      const { box, gw, send, errors } = await setUp(sql, (id) => {
        reads.push(id);
        return read(id);
      });
      const big = (n: number, fill: number) => new Uint8Array(n).fill(fill);
      // Records only: a file the bounds leave out is never read.
      const image = await file(sql, "huge.png", "image/png", big(MAX_IMAGE_BYTES + 1, 1), false);
      const parts = [
        await file(sql, "a.csv", "text/csv", big(5.5 * MiB, 97)),
        await file(sql, "b.csv", "text/csv", big(5.5 * MiB, 98)),
      ];
      const third = await file(sql, "c.csv", "text/csv", big(5.5 * MiB, 99), false);
      const small = await file(sql, "d.txt", "text/plain", big(10, 100));
      send("a big image", [image, small]);
      send("big ones", [...parts, third]);
      await box.flush();
      const sent = gw
        .requests("chat.send")
        .map((f) => f.params!.attachments as { fileName: string; content: string }[]);
      expect(sent.map((files) => files.map((a) => a.fileName))).toEqual([["d.txt"], ["a.csv", "b.csv"]]);
      expect(sent[1]!.reduce((sum, a) => sum + a.content.length, 0)).toBeLessThanOrEqual(MAX_ATTACHMENTS_BASE64);
      expect(sent[1]![1]!.content).toBe(b64(big(5.5 * MiB, 98)));
      expect(reads.sort()).toEqual([...parts, small].sort());
      expect(errors()).toEqual([
        "Not sent to OpenClaw with this message: huge.png (an image over 6 MiB).",
        "Not sent to OpenClaw with this message: c.csv (too large: a message takes at most 15 MiB of files).",
      ]);
      box.stop();
    });
  });
});
