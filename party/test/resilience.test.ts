import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../shared/protocol/errors";
import type { EventFrame } from "../../shared/protocol/frames";
import type { HelloPayload } from "../../shared/protocol/hello";
import {
  addMember,
  connected,
  createKey,
  idem,
  ownWorkspace,
  RawSocket,
  rng,
  signUp,
  threadWithMessages,
} from "./harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
const roomStub = (ws: string) => rooms.get(rooms.idFromName(ws));

/** Applies durable events the way a client must: strictly in order, once each. */
class Follower {
  applied: number[] = [];
  epoch: string | null = null;
  resets = 0;
  take(sock: RawSocket, from: number) {
    for (const f of sock.frames.slice(from)) {
      if (f.type !== "event") continue;
      const frame = f as unknown as EventFrame;
      if (frame.event === "hello") {
        const hello = frame.payload as HelloPayload;
        this.epoch = hello.epoch;
        if (hello.snapshot && this.applied.length > 0) this.resets++;
        continue;
      }
      if (frame.seq === undefined) continue;
      this.applied.push(frame.seq);
    }
  }
  get lastSeq() {
    return this.applied.at(-1) ?? 0;
  }
}

describe("resume without gaps or duplicates", () => {
  // Seeds are kept as regressions; add any seed that ever fails here.
  for (const seed of [1, 7, 42, 1337]) {
    it(`random disconnects, reconnects and a hibernation eviction (seed ${seed})`, async () => {
      const random = rng(seed);
      const owner = await signUp();
      const ws = owner.workspaceId;
      const key = await createKey(owner, ws);
      const writer = await RawSocket.open(ws, { key: key.key });
      await writer.hello();
      const follower = new Follower();
      let reader = await RawSocket.open(ws, { cookie: owner.cookie });
      await reader.hello();
      let consumed = 0;
      const { thread } = await writer.ok("threads.create", { title: "chaos", idempotencyKey: idem() });
      let total = 1;
      let evictions = 0;
      const steps = 60;
      for (let i = 0; i < steps; i++) {
        const roll = random();
        if (roll < 0.15 && reader) {
          // Drop the reader, let the writer move on, then resume from what was applied.
          follower.take(reader, consumed);
          reader.close();
          await reader.waitClosed().catch(() => {});
          const missed = 1 + Math.floor(random() * 4);
          for (let k = 0; k < missed; k++, total++) {
            await writer.ok("chat.send", { threadId: thread.id, text: `while away ${i}.${k}`, idempotencyKey: idem() });
          }
          reader = await RawSocket.open(
            ws,
            { cookie: owner.cookie },
            { lastSeq: follower.lastSeq, epoch: follower.epoch! },
          );
          consumed = 0;
          const hello = await reader.hello();
          expect(hello.snapshot, "a resumable client must get a replay, not a snapshot").toBeNull();
          expect(hello.resumedFrom).toBe(follower.lastSeq);
        } else if (roll < 0.2 || i === steps / 2) {
          // Hibernation: the object is evicted while sockets stay open; it must wake
          // with its log and sequence intact.
          evictions++;
          await evictDurableObject(roomStub(ws)).catch((error: Error) => {
            // Two evictions in a row: the object is already asleep, which is the point.
            if (!/not currently running/.test(error.message)) throw error;
          });
        } else if (roll < 0.6) {
          await writer.ok("chat.send", { threadId: thread.id, text: `msg ${i}`, idempotencyKey: idem() });
          total++;
        } else if (roll < 0.8) {
          const { job } = await writer.ok("jobs.start", { title: `job ${i}`, idempotencyKey: idem() });
          await writer.ok("jobs.update", {
            jobId: job.id,
            progress: Math.floor(random() * 100),
            idempotencyKey: idem(),
          });
          total += 2;
        } else {
          // Two events: the request, then the reach recorded on it (whom it was sent to).
          await writer.ok("approvals.request", { title: `ask ${i}`, idempotencyKey: idem() });
          total += 2;
        }
      }
      await reader.waitFor((f) => f.type === "event" && (f as { seq?: number }).seq === total);
      follower.take(reader, consumed);
      expect(evictions).toBeGreaterThan(0);
      expect(follower.resets).toBe(0);
      expect(follower.applied).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      reader.close();
      writer.close();
    });
  }

  it("a client too far behind, from another epoch, or from the future gets a snapshot with reset", async () => {
    const { owner, ws, sock: a, hello: first } = await ownWorkspace();
    // The test config keeps 300 events; write past that.
    const thread = await threadWithMessages(a, 305);
    const behind = await RawSocket.open(ws, { cookie: owner.cookie }, { lastSeq: 1, epoch: first.epoch });
    const h1 = await behind.hello();
    expect(h1).toMatchObject({ reset: true, seq: 306, resumedFrom: null });
    expect(h1.snapshot!.threads[0]).toMatchObject({ id: thread.id, messageCount: 305 });
    expect(behind.events().filter((e) => e.seq)).toEqual([]);

    const inWindow = await RawSocket.open(ws, { cookie: owner.cookie }, { lastSeq: 300, epoch: first.epoch });
    expect(await inWindow.hello()).toMatchObject({ reset: false, snapshot: null, resumedFrom: 300 });
    await inWindow.waitFor((f) => (f as { seq?: number }).seq === 306);
    expect(
      inWindow
        .events()
        .filter((e) => e.seq)
        .map((e) => e.seq),
    ).toEqual([301, 302, 303, 304, 305, 306]);

    const otherEpoch = await RawSocket.open(ws, { cookie: owner.cookie }, { lastSeq: 300, epoch: "not-this-room" });
    expect(await otherEpoch.hello()).toMatchObject({ reset: true });
    const future = await RawSocket.open(ws, { cookie: owner.cookie }, { lastSeq: 9999, epoch: first.epoch });
    expect(await future.hello()).toMatchObject({ reset: true });
    for (const s of [a, behind, inWindow, otherEpoch, future]) s.close();
  });
});

describe("exactly-once approvals", () => {
  it("many collaborators resolving at the same moment: one wins, the rest get already_resolved", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const people = [owner];
    for (let i = 0; i < 5; i++) {
      const p = await signUp();
      await addMember(owner, ws, p, i % 2 ? "admin" : "member");
      people.push(p);
    }
    const agent = await createKey(owner, ws);
    const g = await RawSocket.open(ws, { key: agent.key });
    await g.hello();
    const socks = await Promise.all(people.map((p) => RawSocket.open(ws, { cookie: p.cookie })));
    await Promise.all(socks.map((s) => s.hello()));
    const random = rng(99);
    for (let round = 0; round < 5; round++) {
      const { approval } = await g.ok("approvals.request", { title: `round ${round}`, idempotencyKey: idem() });
      await Promise.all(
        socks.map((s) =>
          s.waitFor(
            (f) =>
              f.event === "approval.requested" &&
              (f.payload as { approval: { id: string } }).approval.id === approval.id,
          ),
        ),
      );
      // Fire every decision without awaiting any: they race inside the room.
      const results = await Promise.all(
        socks.map((s) =>
          s.call("approvals.resolve", {
            approvalId: approval.id,
            decision: random() < 0.5 ? "approve" : "deny",
            idempotencyKey: idem(),
          }),
        ),
      );
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const losers = results.filter((r) => !r.ok);
      for (const l of losers) expect(l).toMatchObject({ error: { code: "already_resolved" } });
      const decided = (winners[0] as { payload: { approval: { status: string; resolvedBy: { id: string } } } }).payload
        .approval;
      // Everyone sees exactly one resolution, naming the same decider.
      for (const s of [...socks, g]) {
        const resolved = await s.waitFor(
          (f) =>
            f.event === "approval.resolved" && (f.payload as { approval: { id: string } }).approval.id === approval.id,
        );
        expect((resolved.payload as { approval: unknown }).approval).toMatchObject({
          status: decided.status,
          resolvedBy: { id: decided.resolvedBy.id },
        });
        expect(
          s
            .events("approval.resolved")
            .filter((e) => (e.payload as { approval: { id: string } }).approval.id === approval.id),
        ).toHaveLength(1);
      }
    }
    const audit = await socks[0]!.ok("audit.list", { limit: 100 });
    const decisions = audit.entries.filter((e) => e.action === "approval.approved" || e.action === "approval.denied");
    expect(decisions).toHaveLength(5);
    for (const s of [...socks, g]) s.close();
  });
});

describe("bad input", () => {
  type Gen = (r: () => number) => string | ArrayBuffer;
  const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const junk = (r: () => number, n: number) =>
    Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join("");
  const generators: Record<string, Gen> = {
    notJson: (r) => junk(r, 1 + Math.floor(r() * 40)),
    truncated: (r) =>
      JSON.stringify({ type: "req", id: "x", method: "threads.create", params: { title: "a" } }).slice(
        0,
        5 + Math.floor(r() * 40),
      ),
    wrongShape: (r) =>
      JSON.stringify(
        pick(r, [
          null,
          42,
          "req",
          [],
          { type: "res" },
          { type: "req" },
          { type: "req", id: 5, method: "threads.list" },
          { type: "req", id: "", method: "x" },
        ]),
      ),
    unknownMethod: (r) =>
      JSON.stringify({
        type: "req",
        id: `u${Math.floor(r() * 1e6)}`,
        method: pick(r, ["threads.delete", "admin.nuke", "__proto__", "constructor", "toString", "hello"]),
        params: {},
      }),
    badParams: (r) =>
      JSON.stringify({
        type: "req",
        id: `p${Math.floor(r() * 1e6)}`,
        method: pick(r, [
          "threads.create",
          "chat.send",
          "approvals.request",
          "jobs.start",
          "jobs.update",
          "messages.list",
        ]),
        params: pick(r, [
          null,
          [],
          "x",
          { title: 5 },
          { title: "", idempotencyKey: "short" },
          { threadId: {}, text: 1 },
          { progress: "NaN" },
          { __proto__: { admin: true } },
        ]),
      }),
    oversized: (r) =>
      JSON.stringify({
        type: "req",
        id: "big",
        method: "chat.send",
        params: { threadId: "t", text: "x".repeat(70_000 + Math.floor(r() * 1000)), idempotencyKey: idem() },
      }),
    // 25k characters but 75 KB of UTF-8: the byte limit, not the character count, applies.
    oversizedMultibyte: (r) =>
      JSON.stringify({
        type: "req",
        id: "mb",
        method: "chat.send",
        params: { threadId: "t", text: "€".repeat(22_000 + Math.floor(r() * 1000)), idempotencyKey: idem() },
      }),
    binary: (r) => new Uint8Array(Array.from({ length: 16 }, () => Math.floor(r() * 256))).buffer,
    deep: () => `${"[".repeat(5000)}${"]".repeat(5000)}`,
  };

  for (const seed of [3, 17, 2024]) {
    it(`a seeded fuzz of malformed, oversized and unknown frames gets typed errors; room and others carry on (seed ${seed})`, async () => {
      const random = rng(seed);
      const owner = await signUp();
      const ws = owner.workspaceId;
      const fuzzer = await RawSocket.open(ws, { cookie: owner.cookie });
      const observer = await RawSocket.open(ws, { cookie: owner.cookie });
      const before = await observer.hello();
      await fuzzer.hello();
      const names = Object.keys(generators);
      const sent = 120;
      for (let i = 0; i < sent; i++) fuzzer.send(generators[pick(random, names)]!(random));
      await fuzzer.waitFor(() => fuzzer.frames.filter((f) => f.type === "res").length >= sent, 15_000);
      const responses = fuzzer.frames.filter((f) => f.type === "res") as unknown as {
        ok: boolean;
        error: { code: string };
      }[];
      expect(responses).toHaveLength(sent);
      for (const res of responses) {
        expect(res.ok).toBe(false);
        expect(ErrorCode.options).toContain(res.error.code);
        expect(res.error.code).not.toBe("internal");
      }
      expect(fuzzer.closed).toBeNull();
      // Nothing changed: no durable event reached the observer, and the room still works
      // for both sockets.
      expect(observer.events().filter((e) => e.seq)).toEqual([]);
      const { thread } = await fuzzer.ok("threads.create", { title: "still alive", idempotencyKey: idem() });
      const created = await observer.waitFor((f) => f.event === "thread.created");
      expect(created).toMatchObject({ seq: before.seq + 1, payload: { thread: { id: thread.id } } });
      fuzzer.close();
      observer.close();
    });
  }

  it("agents framework frames cannot change room state", async () => {
    const { owner, sock, hello } = await ownWorkspace();
    sock.send(JSON.stringify({ type: "cf_agent_state", state: { hacked: true } }));
    sock.send(JSON.stringify({ type: "rpc", id: "1", method: "accessChanged", args: [{ reason: "x" }] }));
    sock.send(JSON.stringify({ type: "rpc", id: "2", method: "expireApprovals", args: [] }));
    const res = await sock.call("threads.list", {});
    expect(res.ok).toBe(true);
    expect(sock.closed).toBeNull();
    // Answered in our protocol, like any other bad frame (the framework's own replies are not).
    const refused = sock.frames.filter((f) => f.type === "res" && f.ok === false);
    expect(refused.map((f) => [f.id, (f.error as { code: string }).code])).toEqual([
      ["", "bad_request"],
      ["1", "bad_request"],
      ["2", "bad_request"],
    ]);
    const again = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    expect((await again.hello()).seq).toBe(hello.seq);
    sock.close();
    again.close();
  });

  it("a flooding connection is rate limited (typed error, then 4029 with retryAfterMs); others are not", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const [flood, calm] = await connected(ws, { cookie: owner.cookie }, { cookie: owner.cookie });
    // Burst is 500 in the test config; 50 refusals before the bucket refills close the socket.
    for (let i = 0; i < 700; i++)
      flood.send(JSON.stringify({ type: "req", id: `f${i}`, method: "threads.list", params: {} }));
    const closed = await flood.waitClosed(15_000);
    expect(closed.code).toBe(4029);
    expect(JSON.parse(closed.reason).retryAfterMs).toBeGreaterThan(0);
    const limited = flood.frames.filter((f) => f.type === "res" && f.ok === false) as unknown as {
      error: { code: string; retryable: boolean; retryAfterMs: number };
    }[];
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.error).toMatchObject({ code: "rate_limited", retryable: true });
    expect(limited[0]!.error.retryAfterMs).toBeGreaterThan(0);
    expect((await calm.call("threads.list", {})).ok).toBe(true);
    calm.close();
  });

  it("garbage frames cost tokens too: a junk flood is limited and closed the same way", async () => {
    const { sock: junk } = await ownWorkspace();
    for (let i = 0; i < 700; i++)
      junk.send(i % 2 ? "not json at all" : JSON.stringify({ type: "req", id: `j${i}`, method: "no.such" }));
    expect((await junk.waitClosed(15_000)).code).toBe(4029);
    const limited = junk.frames.filter(
      (f) => f.type === "res" && (f as { error?: { code: string } }).error?.code === "rate_limited",
    );
    expect(limited.length).toBeGreaterThan(0);
    // A limited request still names its id where the frame had one.
    expect(limited.some((f) => /^j\d+$/.test(String(f.id)))).toBe(true);
  });
});
