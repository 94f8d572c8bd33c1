// `npm run bench`'s fan-out: one writer sends sequential `chat.send` edits, N readers
// receive each `message.created`; an edit is done when every reader has it. The room (a
// person's N sockets read, an agent key writes) against the minimal partyserver room
// (baseline/worker.ts: one SQLite row, then broadcast a frame of the room's shape), both in
// local workerd, reached directly, their blocks rotating. Per delivered message (edits x
// readers): the Worker process's CPU, and the bytes a reader received (every frame, not
// only the events counted). One of the room's readers speaks the oldest protocol version in
// the window, so every row pays for converting each frame to an older client's shapes.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { OLDEST_PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { roomSocketUrl, signUpPerson } from "./bench-person.mjs";
import { rotate } from "./blocks.mjs";

export function open(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** Opens `count` sockets 25 at a time (auth runs per upgrade: a stampede would time the gate). */
export async function openMany(count, make) {
  const out = [];
  for (let i = 0; i < count; i += 25)
    out.push(...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, (_, k) => make(i + k)))));
  return out;
}

/** `edits(k)`: k sequential edits, each until every reader has its marker; their latencies and the readers' bytes. */
export function editTimer(readers, send, markerOf) {
  let waiting = null;
  let bytes = 0;
  let i = 0;
  for (const r of readers) {
    r.on("message", (data) => {
      bytes += data.length;
      const marker = markerOf(data);
      if (marker && waiting && marker === waiting.marker && --waiting.left === 0) waiting.done();
    });
  }
  return async (k) => {
    const latencies = [];
    bytes = 0;
    for (const end = i + k; i < end; i++) {
      const marker = `m${i}-${Math.random().toString(36).slice(2)}`;
      const received = new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`edit ${i}: ${waiting.left} of ${readers.length} readers never received it`)),
          30_000,
        );
        waiting = { marker, left: readers.length, done: () => resolve(clearTimeout(timer)) };
      });
      const t0 = performance.now();
      send(marker);
      await received;
      latencies.push(performance.now() - t0);
    }
    return { ops: k * readers.length, bytes: { frames: bytes }, latencies };
  };
}

/** Sequential `chat.send`s by `writer` in the thread (editTimer), each done when every reader has its `message.created`. */
export function chatEdits(writer, readers, threadId, label) {
  let k = 0;
  return editTimer(
    readers,
    (marker) =>
      writer.send(
        JSON.stringify({
          type: "req",
          id: `e${k}`,
          method: "chat.send",
          params: { threadId, text: marker, idempotencyKey: `${label}-${k++}-${marker}` },
        }),
      ),
    (data) => {
      const text = data.toString();
      return text.includes('"message.created"') ? JSON.parse(text).payload.message.text : null;
    },
  );
}

async function openRoom(room, n) {
  const person = await signUpPerson(room.server.url, `fanout-${n}`);
  const key = await person.createKey("bench");
  const url = roomSocketUrl(room.target.url, person.workspace, "bench");
  const writer = await open(url, { "x-api-key": key });
  // One reader on the oldest version the room still speaks (it asks for no capability: they are the current version's).
  const oldest = `${room.target.url.replace(/^http/, "ws")}/agents/autopilot/${person.workspace}?protocol=${OLDEST_PROTOCOL_VERSION}&device=bench`;
  const readers = await openMany(n, (i) => open(i === 0 ? oldest : url, { cookie: person.cookie }));
  const answer = (id, request) =>
    new Promise((resolve) => {
      const onMessage = (d) => {
        const f = JSON.parse(d);
        if (f.type !== "res" || f.id !== id) return;
        writer.off("message", onMessage);
        resolve(f.payload);
      };
      writer.on("message", onMessage);
      writer.send(JSON.stringify({ type: "req", id, ...request }));
    });
  const { thread } = await answer("t", {
    method: "threads.create",
    params: { title: "bench", idempotencyKey: `bench-${n}-${Date.now()}` },
  });
  const threadId = thread.id;
  // The room's server has a model (for the assistant bench): a thread it answered would
  // measure the Autopilot's replies too. The floor relays only; so does this thread.
  await answer("c", {
    method: "threads.configure",
    params: { threadId, responder: "none", idempotencyKey: `bench-quiet-${n}-${Date.now()}` },
  });
  const edits = chatEdits(writer, readers, threadId, `edit-${n}`);
  return {
    edits,
    close: () => {
      for (const s of [writer, ...readers]) s.terminate();
    },
  };
}

async function openFloor(floor, n) {
  const url = `${floor.target.url.replace(/^http/, "ws")}/parties/baseline-room/fanout-${n}-${Date.now()}`;
  const writer = await open(url);
  const readers = await openMany(n, () => open(url));
  const edits = editTimer(
    readers,
    (marker) => writer.send(JSON.stringify({ type: "req", id: "x", method: "chat.send", params: { text: marker } })),
    (data) => JSON.parse(data).payload.message.text,
  );
  return {
    edits,
    close: () => {
      for (const s of [writer, ...readers]) s.terminate();
    },
  };
}

/** One size: both rooms' N readers connected at once, `edits` per block. */
export async function fanout({ room, floor, n, edits, warmup, blocks, profile }) {
  const sides = { room: await openRoom(room, n), floor: await openFloor(floor, n) };
  return rotateEdits(sides, { room: room.cpu, floor: floor.cpu }, edits, { warmup, blocks, profile });
}

/** Both sides' `edits` blocks, rotating (blocks.mjs), each side's CPU read by `cpu[side]`; the sides closed after. */
export async function rotateEdits(sides, cpu, edits, options) {
  try {
    return await rotate(
      {
        room: { cpu: cpu.room, block: () => sides.room.edits(edits) },
        floor: { cpu: cpu.floor, block: () => sides.floor.edits(edits) },
      },
      options,
    );
  } finally {
    sides.room.close();
    sides.floor.close();
  }
}
