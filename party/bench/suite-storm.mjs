// `npm run bench`'s reconnect storm: N sockets follow a workspace; all drop at once and
// reconnect at once, the room's resuming with `lastSeq` (nothing happened meanwhile: a
// reconnect that missed nothing). Against the minimal partyserver room's bare reconnect (no
// auth, no resume, no presence). A block ends when every reader has resumed (the floor's:
// every socket is open) and the sockets have been quiet for a moment, so the work each
// reconnect sets off (presence to the others) is inside it. Per reconnect: the Worker
// process's CPU (the drop's close handling included, on both sides), and the bytes the
// readers received, the presence events apart from the rest (the hello, any replay), and
// how many presence frames.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { roomSocketUrl, signUpPerson } from "./bench-person.mjs";
import { rotate, sleep, until } from "./blocks.mjs";
import { open, openMany } from "./suite-fanout.mjs";

/** Resolves once `count()` has not changed for `quietMs`. */
async function quiet(count, quietMs = 250) {
  let last = count();
  for (;;) {
    await sleep(quietMs);
    const now = count();
    if (now === last) return;
    last = now;
  }
}

/**
 * A room reader: follows seq and epoch to resume, counts the bytes it receives by kind (the
 * presence its hello carries apart, as `helloPresence`). `headers` say who it is: a person's
 * cookie or an agent key.
 */
class Reader {
  constructor(url, headers, bytes) {
    Object.assign(this, { url, headers, bytes, epoch: null, lastSeq: null, helloSeq: null });
  }

  get resumed() {
    return this.helloSeq !== null && this.lastSeq >= this.helloSeq;
  }

  async open() {
    this.helloSeq = null;
    const query = this.lastSeq === null ? "" : `&lastSeq=${this.lastSeq}&epoch=${this.epoch}`;
    const ws = new WebSocket(`${this.url}${query}`, { headers: this.headers, perMessageDeflate: false });
    ws.on("message", (data) => this.#onFrame(data));
    this.ws = ws;
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  }

  #onFrame(data) {
    const f = JSON.parse(data.toString());
    const presence = f.type === "event" && f.event.startsWith("presence.");
    this.bytes[presence ? "presence" : "rest"] += data.length;
    if (presence) this.bytes.presenceFrames += 1;
    if (f.type !== "event") return;
    if (f.event === "hello") {
      if (f.payload.presence) this.bytes.helloPresence += JSON.stringify(f.payload.presence).length;
      this.epoch = f.payload.epoch;
      if (f.payload.snapshot) this.lastSeq = f.payload.seq;
      this.helloSeq = f.payload.seq;
    } else if (f.seq !== undefined && f.seq > (this.lastSeq ?? -1)) this.lastSeq = f.seq;
  }
}

async function roomSide(room, n) {
  const person = await signUpPerson(room.server.url, `storm-${n}`);
  const url = roomSocketUrl(room.target.url, person.workspace, "storm");
  const bytes = { presence: 0, rest: 0, presenceFrames: 0, helloPresence: 0 };
  const readers = Array.from({ length: n }, () => new Reader(url, { cookie: person.cookie }, bytes));
  await openMany(n, (i) => readers[i].open());
  await until(() => readers.every((r) => r.resumed), "the room's readers' first hello");
  await quiet(() => bytes.presence + bytes.rest);
  return {
    async block() {
      for (const kind of Object.keys(bytes)) bytes[kind] = 0;
      const t0 = performance.now();
      for (const r of readers) r.ws.terminate();
      await Promise.all(readers.map((r) => r.open()));
      await until(() => readers.every((r) => r.resumed), "every reader resumed", 120_000);
      const resumedMs = performance.now() - t0;
      await quiet(() => bytes.presence + bytes.rest);
      return { ops: n, bytes: { ...bytes }, latencies: [resumedMs] };
    },
    close: () => {
      for (const r of readers) r.ws.terminate();
    },
  };
}

async function floorSide(floor, n) {
  const url = `${floor.target.url.replace(/^http/, "ws")}/parties/baseline-room/storm-${n}-${Date.now()}`;
  const bytes = { presence: 0, rest: 0 };
  const count = (ws) => ws.on("message", (data) => (bytes.rest += data.length));
  let sockets = await openMany(n, () => open(url));
  for (const ws of sockets) count(ws);
  return {
    async block() {
      bytes.rest = 0;
      const t0 = performance.now();
      for (const ws of sockets) ws.terminate();
      sockets = await Promise.all(sockets.map(() => open(url)));
      const openMs = performance.now() - t0;
      for (const ws of sockets) count(ws);
      await quiet(() => bytes.rest);
      return { ops: n, bytes: { ...bytes }, latencies: [openMs] };
    },
    close: () => {
      for (const ws of sockets) ws.terminate();
    },
  };
}

/** Blocks of the two sides in turn, each side's CPU read by `cpu[side]`; the sides closed after. */
async function rotateBlocks(sides, cpu, options) {
  try {
    return await rotate(
      {
        room: { cpu: cpu.room, block: () => sides.room.block() },
        floor: { cpu: cpu.floor, block: () => sides.floor.block() },
      },
      options,
    );
  } finally {
    sides.room.close();
    sides.floor.close();
  }
}

export async function storm({ room, floor, n, warmup, blocks, profile }) {
  const sides = { room: await roomSide(room, n), floor: await floorSide(floor, n) };
  return rotateBlocks(sides, { room: room.cpu, floor: floor.cpu }, { warmup, blocks, profile });
}

/**
 * The same storm through the fan-out tier (docs/scale.md): its sockets held by the delivery
 * objects of `tiered`, against the same storm in the room's own server, held by its one object.
 * Locally both run in one workerd process each, so the row is what the tier adds per reconnect.
 */
export async function tierStorm({ room, tiered, n, warmup, blocks, profile }) {
  const sides = { room: await roomSide(tiered, n), floor: await roomSide(room, n) };
  return rotateBlocks(sides, { room: tiered.cpu, floor: room.cpu }, { warmup, blocks, profile });
}

/**
 * A crowd: `n` sockets of `principals` members (the person and agent keys, the sockets dealt
 * round), each connected as the app does (`view=`, no thread). A block reconnects `r` of them
 * in turn, each resuming, and counts what presence that costs: what their hellos carry of it
 * and the presence events every socket receives meanwhile, per reconnect.
 */
async function crowdSide(room, n, principals, r, label) {
  const person = await signUpPerson(room.server.url, label);
  const keys = [];
  for (let i = 1; i < principals; i++) keys.push(await person.createKey(`${label}-${i}`));
  const who = [{ cookie: person.cookie }, ...keys.map((key) => ({ "x-api-key": key }))];
  const url = roomSocketUrl(room.target.url, person.workspace, "crowd", "&view=");
  const bytes = { presence: 0, rest: 0, presenceFrames: 0, helloPresence: 0 };
  const readers = Array.from({ length: n }, (_, i) => new Reader(url, who[i % who.length], bytes));
  await openMany(n, (i) => readers[i].open());
  await until(() => readers.every((reader) => reader.resumed), "the crowd's first hello");
  await quiet(() => bytes.presence + bytes.rest);
  let next = 0;
  return {
    async block() {
      for (const kind of Object.keys(bytes)) bytes[kind] = 0;
      const t0 = performance.now();
      for (let i = 0; i < r; i++) {
        const reader = readers[next];
        next = (next + 1) % n;
        reader.ws.terminate();
        await reader.open();
        await until(() => reader.resumed, "a reconnect resumed", 60_000);
      }
      const resumedMs = performance.now() - t0;
      await quiet(() => bytes.presence + bytes.rest);
      return { ops: r, bytes: { ...bytes }, latencies: [resumedMs / r] };
    },
    close: () => {
      for (const reader of readers) reader.ws.terminate();
    },
  };
}

/**
 * Presence at a crowd's size against a small workspace's (the floor): the same members, the
 * same reconnects, `n` sockets against `floorN`. Presence that does not grow costs the same per
 * reconnect at both.
 */
export async function crowd({ room, n, floorN, principals, reconnects, warmup, blocks, profile }) {
  const sides = {
    room: await crowdSide(room, n, principals, reconnects, `crowd-${n}`),
    floor: await crowdSide(room, floorN, principals, reconnects, `crowd-${floorN}`),
  };
  return rotateBlocks(sides, { room: room.cpu, floor: room.cpu }, { warmup, blocks, profile });
}
