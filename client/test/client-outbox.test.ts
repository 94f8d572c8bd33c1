// The client's outbox (the `outbox` option): mutations made while there is no connection
// wait for one without a deadline, go out when the room is back under the key they were
// made with, and fail only when the room refuses them or does not answer once they are on
// the wire. Against FakeRoom (client/test/fake-room.ts), a scripted room over a real socket.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OutboxEntry } from "../src/client";
import { fakeRoomPerTest } from "./client-harness";
import { eventuallyReal } from "./fake-room";
import { hello, message } from "./fixtures";

const harness = fakeRoomPerTest();
afterEach(() => vi.useRealTimers());

/** The outbox as each `outbox` event showed it: method and state per entry. */
function outboxLog(client: ReturnType<typeof harness.connect>): string[][] {
  const log: string[][] = [];
  client.on("outbox", (entries: readonly OutboxEntry[]) => log.push(entries.map((e) => `${e.method}:${e.state}`)));
  return log;
}

/** Whether a promise settled, without waiting for it. */
function track<T>(promise: Promise<T>) {
  const seen = { settled: false, error: null as unknown };
  promise.then(
    () => (seen.settled = true),
    (error: unknown) => {
      seen.settled = true;
      seen.error = error;
    },
  );
  return seen;
}

describe("the outbox", () => {
  it("a mutation made with no live connection waits past the deadline, then goes out once when the room is back", async () => {
    // The room accepts the socket but says no hello: as good as offline.
    harness.room.onConnect = () => null;
    harness.room.onRequest = (request, connection) =>
      connection.respond(request.id, { message: message("m1", "t1", 1) });
    const client = harness.connect({ outbox: true, requestTimeoutMs: 100 });
    const log = outboxLog(client);
    const connection = await harness.room.waitForConnections(1);
    await connection.roundTrip();

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const sending = client.chat.send({ threadId: "t1", text: "typed offline" });
    const seen = track(sending);
    // Ten deadlines pass with nowhere to send it: it is still waiting, not failed.
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen.settled).toBe(false);
    expect(client.outbox).toEqual([
      {
        id: expect.any(String),
        method: "chat.send",
        params: { threadId: "t1", text: "typed offline", idempotencyKey: expect.any(String) },
        idempotencyKey: expect.any(String),
        queuedAt: expect.any(Number),
        state: "waiting",
      },
    ]);
    const key = client.outbox[0]!.idempotencyKey;
    vi.useRealTimers();

    connection.event("hello", hello({ seq: 0 }));
    expect((await sending).message.id).toBe("m1");
    expect(connection.requests.map((r) => [r.method, r.params?.idempotencyKey])).toEqual([["chat.send", key]]);
    expect(client.outbox).toEqual([]);
    expect(log).toEqual([["chat.send:waiting"], ["chat.send:sent"], []]);
  });

  it("re-sends what a dropped connection left unanswered under the same key, with a fresh deadline on each connection", async () => {
    harness.room.onRequest = (request, connection) => {
      // The first connection dies with the request on it; the second answers.
      if (harness.room.connections.length === 1) connection.socket.terminate();
      else connection.respond(request.id, { message: message("m1", "t1", 1) });
    };
    const client = harness.connect({ outbox: true });
    const log = outboxLog(client);
    await client.ready();
    const sent = await client.chat.send({ threadId: "t1", text: "hi" });
    expect(sent.message.id).toBe("m1");
    const [first, second] = harness.room.connections.map((c) => c.requests[0]!);
    expect(second!.params?.idempotencyKey).toBe(first!.params?.idempotencyKey);
    expect(log).toEqual([["chat.send:waiting"], ["chat.send:sent"], ["chat.send:waiting"], ["chat.send:sent"], []]);
  });

  it("a refusal fails the mutation with the room's error and leaves the outbox", async () => {
    harness.room.onRequest = (request, connection) =>
      connection.fail(request.id, {
        code: "conflict",
        message: "thread is archived: restore it before posting",
        retryable: false,
      });
    const client = harness.connect({ outbox: true });
    await expect(client.chat.send({ threadId: "t1", text: "late" })).rejects.toMatchObject({
      code: "conflict",
      message: "thread is archived: restore it before posting",
    });
    expect(client.outbox).toEqual([]);
  });

  it("on the wire, an unanswered mutation still times out, with its key for a safe retry", async () => {
    const client = harness.connect({ outbox: true, requestTimeoutMs: 100 });
    await client.ready();
    const error = await client.jobs.start({ title: "x" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "timeout", details: { idempotencyKey: expect.any(String) } });
    expect(client.outbox).toEqual([]);
  });

  it("queries keep their deadline while there is no connection, and without the option mutations do too", async () => {
    harness.room.onConnect = () => null;
    const withOutbox = harness.connect({ outbox: true, requestTimeoutMs: 100 });
    const plain = harness.connect({ requestTimeoutMs: 100 });
    await harness.room.waitForConnections(2);
    await expect(withOutbox.threads.list()).rejects.toMatchObject({ code: "timeout" });
    await expect(plain.chat.send({ threadId: "t1", text: "x" })).rejects.toMatchObject({ code: "timeout" });
    expect(plain.outbox).toEqual([]);
    await eventuallyReal(() => expect(withOutbox.outbox).toEqual([]));
  });
});
