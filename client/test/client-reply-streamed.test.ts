// The client library and the room's reply.streamed: a reply's message that comes without its text
// takes it from the stream it ends, and one whose stream missed a piece is read again by resuming.
import { describe, expect, it } from "vitest";
import { eventually } from "./fake-room";
import { streamedHash } from "../../shared/protocol/streamed";
import type { Message } from "../../shared/protocol/threads";
import { message, snapshot, thread } from "./fixtures";
import { fakeRoomPerTest } from "./client-harness";

const harness = fakeRoomPerTest();
const connect = () => harness.connect();

describe("a streamed reply sent without its text (reply.streamed)", () => {
  const autopilot = { id: "autopilot", kind: "agent" as const, name: "Autopilot" };
  const text = "A reply long enough to be sent by its length and hash: 0123456789 abcdefghij.";
  const reply = (id: string, runId: string, n: number) =>
    message(id, "t1", n, {
      author: autopilot,
      runId,
      text: "",
      streamed: { chars: text.length, hash: streamedHash(text) },
    } as Partial<Message>);

  it("takes the text of the stream it ends; one whose stream missed a piece is read again from the room's replay", async () => {
    const whole = message("m2", "t1", 2, { author: autopilot, runId: "r2", text });
    harness.room.onConnect = (connection) => {
      if (harness.room.connections.length === 1) return { seq: 1, snapshot: snapshot({ threads: [thread("t1")] }) };
      // The resume after the reply whose stream differed: the replay brings that message whole.
      expect(connection.url.searchParams.get("lastSeq")).toBe("2");
      setTimeout(() => connection.event("message.created", { message: whole }, 3), 0);
      return { seq: 3, snapshot: null, resumedFrom: 2 };
    };
    const client = connect();
    await client.ready();
    const texts: string[] = [];
    const raw: unknown[] = [];
    client.on("message.created", ({ message: m }) => texts.push(m.text));
    client.on("event", (frame) => frame.event === "message.created" && raw.push(frame.payload));
    const room = harness.room.latest;
    room.event("chat.delta", { threadId: "t1", instanceId: null, runId: "r1", offset: 0, text: text.slice(0, 40) });
    room.event("chat.delta", { runId: "r1", offset: 40, text: text.slice(40) });
    room.event("message.created", { message: reply("m1", "r1", 1) }, 2);
    await eventually(() => expect(texts).toEqual([text]));
    expect(raw).toEqual([{ message: message("m1", "t1", 1, { author: autopilot, runId: "r1", text }) }]);
    expect(client.state.streams.has("r1")).toBe(false);

    // A piece missed (its offset past the text held): the stream is short of the reply.
    room.event("chat.delta", { threadId: "t1", instanceId: null, runId: "r2", offset: 0, text: text.slice(0, 20) });
    room.event("chat.delta", { runId: "r2", offset: 40, text: text.slice(40) });
    room.event("message.created", { message: reply("m2", "r2", 2) }, 3);
    await harness.room.waitForConnections(2);
    await eventually(() => expect(texts).toEqual([text, text]));
    expect(client.lastSeq).toBe(3);
    expect(client.state.streams.has("r2")).toBe(false);
  });
});
