import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../shared/protocol/frames";
import type { HelloPayload } from "../../../shared/protocol/hello";
import { OLDEST_PROTOCOL_VERSION } from "../../../shared/protocol/version";
import { createKey, idem, RawSocket, signUp } from "../../test/harness";
import { setKeyScopes } from "../../test/support/key-scopes";

const SECRET = "the launch code is 0000";

/**
 * A workspace with a thread holding a message, 24 sockets of its owner (so every one of the
 * four delivery objects holds some all along, and keeps every durable event), and a write-only key.
 */
async function workspaceWithSecret() {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const readers: RawSocket[] = [];
  for (let i = 0; i < 24; i++) readers.push(await RawSocket.open(ws, { cookie: owner.cookie }, { device: `d${i}` }));
  await Promise.all(readers.map((s) => s.hello()));
  const writer = readers[0]!;
  const { thread } = await writer.ok("threads.create", { title: "Secret plans", idempotencyKey: idem() });
  await writer.ok("chat.send", { threadId: thread.id, text: SECRET, idempotencyKey: idem() });
  const key = await createKey(owner, ws, ["write"], "write-only");
  return { owner, ws, readers, writer, thread, key };
}

/** The key's own request, answered: what the room sent the socket before it has arrived by now. */
async function caughtUp(sock: RawSocket, threadId: string): Promise<void> {
  await sock.ok("chat.send", { threadId, text: "posted blind", idempotencyKey: idem() });
}

const eventsAfterHello = (sock: RawSocket): EventFrame[] => sock.events().filter((e) => e.event !== "hello");

function expectBareHello(hello: HelloPayload) {
  expect(hello.snapshot?.threads).toEqual([]);
  expect(hello.live).toBeUndefined();
  expect(JSON.stringify(hello)).not.toContain("Secret plans");
}

/** The writer's latest message, as a reader got it (so the tier has delivered it). */
const landed = (sock: RawSocket, text: string) =>
  sock.waitFor(
    (f) =>
      f.type === "event" &&
      f.event === "message.created" &&
      (f.payload as { message: { text: string } }).message.text === text,
    10_000,
  );

/** The writer posts `text`: the readers get it, and `blind`, caught up, was told nothing after its hello. */
async function postedUnseen(
  { writer, readers, thread }: Pick<Awaited<ReturnType<typeof workspaceWithSecret>>, "writer" | "readers" | "thread">,
  blind: RawSocket,
  text: string,
): Promise<void> {
  await writer.ok("chat.send", { threadId: thread.id, text, idempotencyKey: idem() });
  await landed(readers.at(-1)!, text);
  await caughtUp(blind, thread.id);
  expect(eventsAfterHello(blind)).toEqual([]);
}

describe("a key without read, its socket held by a delivery object", () => {
  it("gets a bare hello and nothing when others post, in the current protocol and an older one", async () => {
    const { ws, readers, writer, thread, key } = await workspaceWithSecret();
    const blind = await RawSocket.open(ws, { key: key.key });
    const older = await RawSocket.open(ws, { key: key.key }, { protocol: OLDEST_PROTOCOL_VERSION, device: "old" });
    expectBareHello(await blind.hello());
    expectBareHello(await older.hello());
    await writer.ok("chat.send", { threadId: thread.id, text: `${SECRET}, again`, idempotencyKey: idem() });
    await writer.ok("threads.create", { title: "More secret plans", idempotencyKey: idem() });
    await landed(readers.at(-1)!, `${SECRET}, again`);
    for (const sock of [blind, older]) {
      await caughtUp(sock, thread.id);
      expect(eventsAfterHello(sock)).toEqual([]);
    }
    for (const s of [...readers, blind, older]) s.close();
  });

  it("is replayed nothing, from the room or from what its delivery object kept, when it comes back", async () => {
    const { ws, readers, writer, thread, key } = await workspaceWithSecret();
    const first = await RawSocket.open(ws, { key: key.key });
    const hello = await first.hello();
    first.close();
    for (const text of ["a1", "a2", "a3"])
      await writer.ok("chat.send", { threadId: thread.id, text: `${SECRET}: ${text}`, idempotencyKey: idem() });
    await landed(readers.at(-1)!, `${SECRET}: a3`);
    const back = await RawSocket.open(ws, { key: key.key }, { lastSeq: hello.seq, epoch: hello.epoch });
    const resumed = await back.hello();
    expectBareHello(resumed);
    expect(resumed.resumedFrom).toBeNull();
    await caughtUp(back, thread.id);
    expect(eventsAfterHello(back)).toEqual([]);
    for (const s of [...readers, back]) s.close();
  });

  it("is closed to reconnect the moment its key loses read, and comes back to a bare hello", async () => {
    const { owner, ws, readers, writer, thread } = await workspaceWithSecret();
    const key = await createKey(owner, ws, ["read", "write"], "reader");
    const reader = await RawSocket.open(ws, { key: key.key });
    expect((await reader.hello()).snapshot?.threads.map((t) => t.title)).toEqual(["Secret plans"]);
    await setKeyScopes(ws, key.id, ["write"]);
    expect((await reader.waitClosed(10_000)).code).toBe(1012);
    const back = await RawSocket.open(ws, { key: key.key });
    expectBareHello(await back.hello());
    await postedUnseen({ writer, readers, thread }, back, `${SECRET}, after`);
    for (const s of [...readers, back]) s.close();
  });

  it("views nothing though it asks for a thread at connect", async () => {
    const { ws, readers, writer, thread, key } = await workspaceWithSecret();
    const viewing = await RawSocket.open(ws, { key: key.key }, { view: thread.id });
    expectBareHello(await viewing.hello());
    await postedUnseen({ writer, readers, thread }, viewing, `${SECRET}, viewed`);
    for (const s of [...readers, viewing]) s.close();
  });
});
