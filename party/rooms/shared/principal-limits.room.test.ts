import { SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { refuseOverCap } from "./connection-cap";
import { createKey, ORIGIN, RawSocket, signUp, workspaceWithMember } from "../../test/harness";

// The test config (vitest.worker.config.ts) caps a principal at 20 sockets per room and
// gives it a bucket of 800 requests refilled at 20/s, over all its sockets.
const CAP = 20;

/** Opens a canvas socket; resolves with its close code, or "open" once the room has let it in. */
async function openCanvas(
  workspaceId: string,
  cookie: string,
): Promise<{ ws: WebSocket; outcome: Promise<number | "open"> }> {
  const res = await SELF.fetch(`${ORIGIN}/parties/hatchery/${workspaceId}`, {
    headers: { upgrade: "websocket", cookie },
  });
  const ws = res.webSocket!;
  ws.accept();
  const outcome = new Promise<number | "open">((resolve) => {
    ws.addEventListener("close", (e) => resolve(e.code));
    // The cap is checked before the Hatchery says anything: its first frame (sync step 1,
    // binary) means the socket was let in; a refused one is closed without it.
    ws.addEventListener("message", (e) => typeof e.data !== "string" && resolve("open"));
  });
  return { ws, outcome };
}

describe("limits per principal", () => {
  it("one key opening 150 sockets gets the cap's worth; the rest are refused with 4029 and retryAfterMs", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const key = await createKey(owner, ws);
    const sockets: RawSocket[] = [];
    for (let i = 0; i < 150; i += 25)
      sockets.push(...(await Promise.all(Array.from({ length: 25 }, () => RawSocket.open(ws, { key: key.key })))));
    const outcomes = await Promise.all(
      sockets.map((s) =>
        s.hello().then(
          () => "open" as const,
          () => s.closed!,
        ),
      ),
    );
    const open = outcomes.filter((o) => o === "open");
    expect(open).toHaveLength(CAP);
    for (const refused of outcomes.filter((o) => o !== "open")) {
      expect(refused.code).toBe(4029);
      expect(JSON.parse(refused.reason).retryAfterMs).toBeGreaterThan(0);
    }
    // Another principal of the workspace is not affected, and a closed socket frees a place.
    const person = await RawSocket.open(ws, { cookie: owner.cookie });
    await person.hello();
    const opened = sockets.filter((_, i) => outcomes[i] === "open");
    opened[0]!.close();
    await opened[0]!.waitClosed();
    const again = await RawSocket.open(ws, { key: key.key });
    await again.hello();
    for (const s of [...opened, person, again]) s.close();
  });

  it("the canvas caps a principal's sockets the same way", async () => {
    const owner = await signUp();
    const canvases = await Promise.all(
      Array.from({ length: CAP + 5 }, () => openCanvas(owner.workspaceId, owner.cookie)),
    );
    const outcomes = await Promise.all(canvases.map((c) => c.outcome));
    expect(outcomes.filter((o) => o === "open")).toHaveLength(CAP);
    expect(outcomes.filter((o) => o !== "open")).toEqual(Array(5).fill(4029));
    for (const c of canvases) c.ws.close();
  });

  it("a principal's requests are limited across all its sockets; another principal's are not", async () => {
    const { owner, ws, member } = await workspaceWithMember();
    const key = await createKey(owner, ws);
    const floods = await Promise.all(Array.from({ length: 3 }, () => RawSocket.open(ws, { key: key.key })));
    const calm = await RawSocket.open(ws, { cookie: member.cookie });
    await Promise.all([...floods, calm].map((s) => s.hello()));
    // 450 from each socket: under a socket's burst (500), well over the principal's (800).
    for (const flood of floods)
      for (let i = 0; i < 450; i++)
        flood.send(JSON.stringify({ type: "req", id: `f${i}`, method: "threads.list", params: {} }));
    expect((await calm.call("threads.list", {})).ok).toBe(true);
    const answered = () => floods.reduce((n, s) => n + s.frames.filter((f) => f.type === "res").length, 0);
    await vi.waitFor(
      () =>
        expect(
          answered() >= 3 * 450 || floods.every((s) => s.closed),
          `every flood request answered (${answered()} of ${3 * 450}) or every flood socket closed`,
        ).toBe(true),
      { timeout: 20_000, interval: 100 },
    );
    const limited = floods
      .flatMap((s) => s.frames)
      .filter((f) => f.type === "res" && (f as { error?: { code: string } }).error?.code === "rate_limited");
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ error: { retryable: true, details: { limit: "principal" } } });
    expect((await calm.call("threads.list", {})).ok).toBe(true);
    for (const s of [...floods, calm]) s.close();
  });
});

describe("refuseOverCap", () => {
  const socket = (readyState: number) => ({
    readyState,
    closed: null as null | number,
    close(code?: number) {
      this.closed = code ?? null;
    },
  });

  it("counts open sockets only, refuses past the cap, and stops looking once past it", () => {
    const conn = socket(WebSocket.OPEN);
    expect(refuseOverCap(conn, [conn, socket(WebSocket.OPEN), socket(WebSocket.CLOSING)], 2)).toBe(false);
    expect(conn.closed).toBeNull();
    // A principal with thousands of sockets costs the cap's worth of looking, not all of them.
    function* many() {
      for (let i = 0; i < 3; i++) yield socket(WebSocket.OPEN);
      throw new Error("read past the cap");
    }
    expect(refuseOverCap(conn, many(), 2)).toBe(true);
    expect(conn.closed).toBe(4029);
    // No more sockets than the cap: none is looked at.
    const unread = {
      get readyState(): number {
        throw new Error("read a socket under the cap");
      },
      close() {},
    };
    expect(refuseOverCap(conn, [unread, unread], 2)).toBe(false);
  });
});
