import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventFrame, ResponseFrame } from "../../shared/protocol/frames";
import type { Message } from "../../shared/protocol/threads";
import { OLDEST_PROTOCOL_VERSION } from "../../shared/protocol/version";
import { fileById, recordFile, UNATTACHED_FILE_TTL_MS } from "../rooms/autopilot/features/threads/files";
import { queuedFor, sendChat } from "../rooms/autopilot/features/instance-store/gateway-outbox";
import type { Autopilot } from "../rooms/autopilot/room";
import { download, PDF, PNG, uploaded } from "./files-harness";
import { asPerson, inRoom, seedInstance, seedThread } from "./bridge-peer";
import { addMember, api, idem, ownWorkspace, RawSocket, signUp } from "./harness";

// Files in threads, the room's side: what chat.send may attach, what each protocol sees,
// and when the room forgets a file.

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
const roomStub = (workspaceId: string) => rooms.get(rooms.idFromName(workspaceId));
const bucket = (env as unknown as { FILES: R2Bucket }).FILES;
const errorOf = (res: ResponseFrame) => (res.ok ? null : res.error.code);

async function room() {
  const { owner, sock } = await ownWorkspace();
  const { thread } = await sock.ok("threads.create", { title: "Files", idempotencyKey: idem() });
  return { owner, sock, thread, ws: owner.workspaceId };
}

/** Rows of these files made older than an unattached file may stay, as if that long had passed. */
const agedPastTtl = (state: DurableObjectState, ...ids: string[]) =>
  state.storage.sql.exec(
    `update files set created_at = ? where id in (${ids.map(() => "?").join(", ")})`,
    Date.now() - UNATTACHED_FILE_TTL_MS - 1000,
    ...ids,
  );

describe("files: attaching them to a message", () => {
  it("a message carries the sender's files, text optional; every client sees them", async () => {
    const { owner, sock, thread, ws } = await room();
    const png = await uploaded(ws, { cookie: owner.cookie }, PNG, { name: "pixel.png" });
    const pdf = await uploaded(ws, { cookie: owner.cookie }, PDF, { type: "application/pdf", name: "report.pdf" });
    const { message } = await sock.ok("chat.send", {
      threadId: thread.id,
      text: "",
      attachments: [pdf, png],
      idempotencyKey: idem(),
    });
    expect(message.text).toBe("");
    expect(message.attachments).toEqual([
      { id: pdf, name: "report.pdf", type: "application/pdf", size: PDF.byteLength },
      { id: png, name: "pixel.png", type: "image/png", size: PNG.byteLength },
    ]);
    const listed = await sock.ok("messages.list", { threadId: thread.id, limit: 10 });
    expect(listed.messages.at(-1)?.attachments).toEqual(message.attachments);
    const event = sock
      .events("message.created")
      .find((e) => (e.payload as { message: Message }).message.id === message.id);
    expect((event!.payload as { message: Message }).message.attachments).toEqual(message.attachments);
    // Neither text nor files: refused.
    expect(errorOf(await sock.call("chat.send", { threadId: thread.id, text: "", idempotencyKey: idem() }))).toBe(
      "bad_request",
    );
    sock.close();
  });

  it("refuses someone else's file, a file already used, a missing file, a file twice and more than 4, attaching nothing", async () => {
    const { owner, sock, thread, ws } = await room();
    const member = await signUp();
    await addMember(owner, ws, member, "member");
    const theirs = await uploaded(ws, { cookie: member.cookie });
    const mine = await uploaded(ws, { cookie: owner.cookie });
    const send = (attachments: string[]) =>
      sock.call("chat.send", { threadId: thread.id, text: "see", attachments, idempotencyKey: idem() });

    expect(errorOf(await send([mine, theirs]))).toBe("not_found");
    expect(errorOf(await send(["file_missing"]))).toBe("not_found");
    expect(errorOf(await send([mine, mine]))).toBe("bad_request");
    const five = await Promise.all([1, 2, 3, 4, 5].map(() => uploaded(ws, { cookie: owner.cookie })));
    expect(errorOf(await send(five))).toBe("bad_request");
    // None of the refused sends took the file: it attaches now, and once only.
    expect(errorOf(await send([mine]))).toBeNull();
    expect(errorOf(await send([mine]))).toBe("conflict");
    expect(errorOf(await send(five.slice(0, 4)))).toBeNull();
    sock.close();
  });

  it("a client of the previous protocol version gets attachments too, in events and results", async () => {
    const { owner, sock, thread, ws } = await room();
    // Its frames are checked strictly against that version's recorded schemas (harness.ts).
    const old = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    expect((await old.hello()).protocol).toBe(OLDEST_PROTOCOL_VERSION);
    const id = await uploaded(ws, { cookie: owner.cookie });
    const { message } = await sock.ok("chat.send", {
      threadId: thread.id,
      text: "look",
      attachments: [id],
      idempotencyKey: idem(),
    });
    expect(message.attachments).toHaveLength(1);
    const seen = await old.waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        f.event === "message.created" &&
        (f.payload as { message: Message }).message.id === message.id,
    );
    expect((seen.payload as { message: Message }).message.attachments).toEqual(message.attachments);
    const listed = await old.ok("messages.list", { threadId: thread.id, limit: 10 });
    expect(listed.messages.find((m) => m.id === message.id)?.attachments).toEqual(message.attachments);
    old.close();
    sock.close();
  });
});

describe("files: retention", () => {
  it("a file never attached is deleted (row and bytes) by the sweep after 24 h; an attached one stays", async () => {
    const { owner, sock, thread, ws } = await room();
    const kept = await uploaded(ws, { cookie: owner.cookie });
    const dropped = await uploaded(ws, { cookie: owner.cookie });
    const fresh = await uploaded(ws, { cookie: owner.cookie });
    await sock.ok("chat.send", { threadId: thread.id, text: "keep", attachments: [kept], idempotencyKey: idem() });
    const stub = roomStub(ws);
    await runInDurableObject(stub, async (room: Autopilot, state) => {
      // Time passes for two of them (no real waiting: the rows are aged).
      agedPastTtl(state, kept, dropped);
      await room.scheduler.set(new Date(), "sweepRetention");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const ids = await runInDurableObject(stub, (_room: Autopilot, state) =>
      [...state.storage.sql.exec("select id from files order by id")].map((r) => r.id),
    );
    expect(ids.sort()).toEqual([kept, fresh].sort());
    expect(await bucket.head(`${ws}/${dropped}`)).toBeNull();
    expect((await download(ws, dropped, { cookie: owner.cookie })).status).toBe(404);
    expect((await download(ws, kept, { cookie: owner.cookie })).status).toBe(200);
    expect((await download(ws, fresh, { cookie: owner.cookie })).status).toBe(200);
    // A file waiting for a message keeps the sweep scheduled.
    const schedules = await runInDurableObject(stub, (room: Autopilot) => room.scheduler.list());
    expect(schedules.filter((s) => s.callback === "sweepRetention" && s.type === "interval")).toHaveLength(1);
    sock.close();
  });

  it("bytes no row names (a delete that failed) are deleted by a later sweep once old; a young upload's are not", async () => {
    const { owner, sock, ws } = await room();
    const aged = await uploaded(ws, { cookie: owner.cookie });
    const old = String(Date.now() - UNATTACHED_FILE_TTL_MS - 1000);
    await bucket.put(`${ws}/file_orphan_old`, "stray", { customMetadata: { uploadedAt: old } });
    await bucket.put(`${ws}/file_orphan_young`, "in flight", { customMetadata: { uploadedAt: String(Date.now()) } });
    const stub = roomStub(ws);
    await runInDurableObject(stub, async (room: Autopilot, state) => {
      agedPastTtl(state, aged);
      await room.scheduler.set(new Date(), "sweepRetention");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await bucket.head(`${ws}/${aged}`)).toBeNull();
    expect(await bucket.head(`${ws}/file_orphan_old`)).toBeNull();
    expect(await bucket.head(`${ws}/file_orphan_young`)).not.toBeNull();
    sock.close();
  });

  it("deleting a workspace deletes its files", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const ids = [await uploaded(ws, { cookie: owner.cookie }), await uploaded(ws, { cookie: owner.cookie })];
    const other = await signUp();
    const theirs = await uploaded(other.workspaceId, { cookie: other.cookie });
    const res = await api("/api/auth/organization/delete", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ organizationId: ws }),
    });
    expect(res.status).toBe(200);
    for (const id of ids) expect(await bucket.head(`${ws}/${id}`)).toBeNull();
    expect(await bucket.head(`${other.workspaceId}/${theirs}`)).not.toBeNull();
  });
});

describe("files: to an OpenClaw instance too", () => {
  it("a thread answered by an OpenClaw instance takes files and queues their ids for the gateway", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const thread = seedThread(sql, "main");
      recordFile(sql, {
        id: "file_gw",
        name: "a.png",
        type: "image/png",
        size: 1,
        sha256: "0".repeat(64),
        uploadedBy: "user_1",
        createdAt: Date.now(),
      });
      const { message } = asPerson(sql, (ctx) =>
        sendChat(ctx, { threadId: thread.id, text: "see", attachments: ["file_gw"], idempotencyKey: idem() }),
      );
      expect(message.attachments).toEqual([{ id: "file_gw", name: "a.png", type: "image/png", size: 1 }]);
      // What the bridge sends with it (features/gateway-bridge/outbox-files.room.test.ts shows the bytes arrive).
      expect(queuedFor(sql, "inst")).toEqual([
        expect.objectContaining({ messageId: message.id, text: "see", fileIds: ["file_gw"] }),
      ]);
      expect(fileById(sql, "file_gw")?.messageId).toBe(message.id);
    });
  });
});
