import { describe, expect, it } from "vitest";
import type { HelloPayload } from "../../shared/protocol/hello";
import type { Scope } from "../../shared/protocol/principal";
import { createKey, idem, RawSocket, signUp } from "./harness";
import { setKeyScopes } from "./support/key-scopes";
import { openCanvas, until } from "./hatchery-harness";

const SECRET = "the launch code is 0000";

/** A workspace with a thread holding a message, its owner's socket, and a key with `scopes`. */
async function workspaceWithSecret(scopes: Scope[]) {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const writer = await RawSocket.open(ws, { cookie: owner.cookie });
  await writer.hello();
  const { thread } = await writer.ok("threads.create", { title: "Secret plans", idempotencyKey: idem() });
  await writer.ok("chat.send", { threadId: thread.id, text: SECRET, idempotencyKey: idem() });
  const key = await createKey(owner, ws, scopes, "write-only");
  return { owner, ws, writer, thread, key };
}

/**
 * The key's own request, answered: every frame the room sent the socket before it is there by
 * now (one socket's frames arrive in order), so what it did not get, it never will.
 */
async function caughtUp(sock: RawSocket, threadId: string): Promise<void> {
  const sent = await sock.ok("chat.send", { threadId, text: "posted blind", idempotencyKey: idem() });
  expect(sent).toBeTruthy();
}

/** Every event the socket got but its hello. */
const eventsAfterHello = (sock: RawSocket) => sock.events().filter((e) => e.event !== "hello");

function expectBareHello(hello: HelloPayload) {
  expect(hello.principal.scopes).toEqual(["write"]);
  expect(hello.snapshot).not.toBeNull();
  expect(hello.snapshot!.threads).toEqual([]);
  expect(hello.snapshot!.approvals).toEqual([]);
  expect(hello.snapshot!.jobs).toEqual([]);
  expect(hello.snapshot!.projects).toEqual([]);
  expect(hello.snapshot!.instances).toEqual([]);
  expect(hello.live).toBeUndefined();
  expect(hello.agent).toBeUndefined();
  expect(hello.reads).toEqual({});
  expect(hello.presence.shown).toEqual([]);
  expect(JSON.stringify(hello)).not.toContain("Secret plans");
}

describe("a key without read", () => {
  it("gets a hello with no thread, no message nor anything else of the workspace, and nothing when others post; it can still post", async () => {
    const { owner, ws, writer, thread, key } = await workspaceWithSecret(["write"]);
    const blind = await RawSocket.open(ws, { key: key.key });
    expectBareHello(await blind.hello());

    // Another member posts, and opens a socket (presence, an ephemeral event to everyone).
    await writer.ok("chat.send", { threadId: thread.id, text: `${SECRET}, again`, idempotencyKey: idem() });
    await writer.ok("threads.create", { title: "More secret plans", idempotencyKey: idem() });
    const told = writer.events("presence.summary").length;
    const other = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "second" });
    await other.hello();
    await writer.waitFor(() => writer.events("presence.summary").length > told);
    await caughtUp(blind, thread.id);
    expect(eventsAfterHello(blind)).toEqual([]);
    // What write allows still works: the key's message is in the thread, for those who read.
    await writer.waitFor(
      (f) =>
        f.type === "event" &&
        f.event === "message.created" &&
        (f.payload as { message: { text: string } }).message.text === "posted blind",
    );
    // Reading is refused, as it was.
    expect((await blind.call("messages.list", { threadId: thread.id })).ok).toBe(false);
    for (const s of [blind, writer, other]) s.close();
  });

  it("replays nothing when it comes back with its last seq, and drops what it held", async () => {
    const { ws, writer, thread, key } = await workspaceWithSecret(["write"]);
    const first = await RawSocket.open(ws, { key: key.key });
    const hello = await first.hello();
    first.close();
    await writer.ok("chat.send", { threadId: thread.id, text: `${SECRET}, while away`, idempotencyKey: idem() });
    await writer.ok("threads.create", { title: "Made while away", idempotencyKey: idem() });

    const back = await RawSocket.open(ws, { key: key.key }, { lastSeq: hello.seq, epoch: hello.epoch });
    const resumed = await back.hello();
    expectBareHello(resumed);
    expect(resumed.resumedFrom).toBeNull();
    expect(resumed.reset).toBe(true);
    await caughtUp(back, thread.id);
    expect(eventsAfterHello(back)).toEqual([]);
    for (const s of [back, writer]) s.close();
  });

  it("views nothing: a view it asks for at connect is ignored and threads.view is refused", async () => {
    const { owner, ws, writer, thread, key } = await workspaceWithSecret(["write"]);
    const viewing = await RawSocket.open(ws, { key: key.key }, { view: thread.id });
    expectBareHello(await viewing.hello());
    // A reader that views no thread: it gets the bump another thread's message makes.
    const bumped = await RawSocket.open(ws, { cookie: owner.cookie }, { view: "" });
    await bumped.hello();
    await writer.ok("chat.send", { threadId: thread.id, text: `${SECRET}, viewed`, idempotencyKey: idem() });
    await bumped.waitFor((f) => f.type === "event" && f.event === "thread.bump");
    const refused = await viewing.call("threads.view", { threads: [thread.id] });
    expect(refused.ok).toBe(false);
    await caughtUp(viewing, thread.id);
    expect(eventsAfterHello(viewing)).toEqual([]);
    for (const s of [viewing, bumped, writer]) s.close();
  });

  it("stops getting anything the moment its key loses read: the socket reconnects to a bare hello", async () => {
    const { ws, writer, thread, key } = await workspaceWithSecret(["read", "write"]);
    const reader = await RawSocket.open(ws, { key: key.key });
    expect((await reader.hello()).snapshot!.threads.map((t) => t.title)).toEqual(["Secret plans"]);
    await setKeyScopes(ws, key.id, ["write"]);
    // Its tags were fixed when it was accepted: it is closed to reconnect, not kept on.
    expect((await reader.waitClosed()).code).toBe(1012);
    const back = await RawSocket.open(ws, { key: key.key });
    expectBareHello(await back.hello());
    await writer.ok("chat.send", { threadId: thread.id, text: `${SECRET}, later`, idempotencyKey: idem() });
    await caughtUp(back, thread.id);
    expect(eventsAfterHello(back)).toEqual([]);
    for (const s of [back, writer]) s.close();
  });

  it("once its key may read, reconnects to the whole workspace, not to a replay after its bare hello", async () => {
    const { ws, thread, key } = await workspaceWithSecret(["write"]);
    const blind = await RawSocket.open(ws, { key: key.key });
    const hello = await blind.hello();
    await setKeyScopes(ws, key.id, ["read", "write"]);
    expect((await blind.waitClosed()).code).toBe(1012);
    // As the client library resumes after a 1012: from the seq and epoch its hello gave.
    const back = await RawSocket.open(ws, { key: key.key }, { lastSeq: hello.seq, epoch: hello.epoch });
    const resumed = await back.hello();
    expect(resumed.snapshot?.threads.map((t) => t.id)).toEqual([thread.id]);
    expect(resumed.reset).toBe(true);
    back.close();
  });

  it("is refused the canvas, which holds the threads' titles, and loses it with read", async () => {
    const { owner, ws, key } = await workspaceWithSecret(["write"]);
    const canvas = await openCanvas(ws, { key: key.key });
    await until(() => canvas.closed !== null, "the canvas refused");
    expect(canvas.closed).toMatchObject({ code: 4003 });
    expect(canvas.synced).toBe(false);
    const text = canvas.frames.map((f) => new TextDecoder().decode(f)).join("");
    expect(text).not.toContain("Secret plans");

    const readerKey = await createKey(owner, ws, ["read", "write"], "reader");
    const reading = await openCanvas(ws, { key: readerKey.key });
    await until(() => reading.synced, "the reader's canvas synced");
    await setKeyScopes(ws, readerKey.id, ["write"]);
    await until(() => reading.closed !== null, "the canvas closed on losing read");
    expect(reading.closed).toMatchObject({ code: 4003 });
  });
});
