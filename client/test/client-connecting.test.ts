// AutopilotClient: connecting, tickets, close codes and reconnecting (against FakeRoom).
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AutopilotError } from "../src/errors";
import { VISIBLE_CAP_MS } from "../../shared/backoff";
import { offeredCapabilities } from "../../shared/protocol/capabilities";
import { eventFor, methodsAfter } from "../../shared/protocol/cuts/index";
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from "../../shared/protocol/version";
import { approval, hello, snapshot, thread } from "./fixtures";
import { fakeRoomPerTest } from "./client-harness";
import { eventuallyReal } from "./fake-room";

const harness = fakeRoomPerTest();
const connect = (options?: Parameters<typeof harness.connect>[0]) => harness.connect(options);
const { statuses } = harness;
// Registered after the harness's hooks, so it runs before them (the room closes on real timers).
afterEach(() => vi.useRealTimers());

/** A client whose first socket the room holds without a hello, and its statuses; the clock is the test's from then on. */
async function heldClient() {
  harness.room.onConnect = () => null;
  const client = connect();
  const seen = statuses(client);
  const connection = await harness.room.waitForConnections(1);
  fakeClock();
  return { client, seen, connection };
}

/**
 * Every backoff round the client could have scheduled, run: it stays closed on its one
 * connection attempt (any attempt starts with a status, "connecting" and its wait: none
 * follows "closed").
 */
async function staysClosed(seen: ReturnType<typeof statuses>): Promise<void> {
  await vi.runAllTimersAsync();
  expect(seen.at(-1)?.[0]).toBe("closed");
  expect(harness.room.connections).toHaveLength(1);
}

/**
 * A browser page as the client sees it, stubbed as globals (vi.unstubAllGlobals undoes it): the
 * document's visibility (visible until a test says otherwise) and the window's events.
 */
function stubBrowserPage(): { page: EventTarget & { visibilityState: string }; win: EventTarget } {
  const page = Object.assign(new EventTarget(), { visibilityState: "visible" });
  const win = new EventTarget();
  vi.stubGlobal("document", page);
  vi.stubGlobal("addEventListener", win.addEventListener.bind(win));
  vi.stubGlobal("removeEventListener", win.removeEventListener.bind(win));
  return { page, win };
}

/**
 * The client's timers from here on are fake: whatever it schedules (a reconnect goes through
 * a timer, PartySocket's and its own backoff) can be run to the end, so "no reconnect" is
 * what is left when nothing is, not what did not happen in a while.
 */
const fakeClock = (date = false) =>
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", ...(date ? (["Date"] as const) : [])],
  });

/**
 * The wait the client's next attempt announces in a status (`seen`, as `statuses` records
 * them): PartySocket's turn first (a zero wait), then the client's.
 */
async function announcedRetry(seen: ReturnType<typeof statuses>): Promise<number> {
  await eventuallyReal(() => {
    vi.advanceTimersByTime(0);
    expect(seen.some(([, detail]) => detail.retryInMs !== undefined)).toBe(true);
  });
  return seen.find(([, detail]) => detail.retryInMs !== undefined)![1].retryInMs!;
}

describe("connecting", () => {
  it("sends the key as a header, never in the URL, and applies the hello snapshot", async () => {
    harness.room.onConnect = () => ({ seq: 4, snapshot: snapshot({ threads: [thread("t1")] }) });
    const client = connect();
    const hello = await client.ready();
    const { url, headers } = harness.room.latest;
    expect(url.pathname).toBe("/agents/autopilot/ws_1");
    expect(url.searchParams.get("protocol")).toBe(String(PROTOCOL_VERSION));
    expect(url.searchParams.get("device")).toBe("test");
    expect(url.searchParams.has("lastSeq")).toBe(false);
    expect(url.toString()).not.toContain("key_secret");
    expect(headers["x-api-key"]).toBe("key_secret");
    expect(hello.seq).toBe(4);
    expect(client.status).toBe("connected");
    expect(client.lastSeq).toBe(4);
    expect(client.principal?.name).toBe("Bot");
    expect(client.connectionId).toBe("conn_1");
    expect([...client.state.threads.keys()]).toEqual(["t1"]);
  });

  it("exchanges the key for a fresh ticket before every connect when it cannot set headers", async () => {
    const ticketRequests: { url: string; init: RequestInit | undefined }[] = [];
    const fakeFetch = (async (url: string, init?: RequestInit) => {
      ticketRequests.push({ url, init });
      return Response.json({ ticket: `tk_${ticketRequests.length}`, expiresAt: Date.now() + 60_000 }, { status: 201 });
    }) as typeof fetch;
    const client = connect({ WebSocket, fetch: fakeFetch });
    await client.ready();
    expect(harness.room.latest.url.searchParams.get("ticket")).toBe("tk_1");
    expect(harness.room.latest.headers["x-api-key"]).toBeUndefined();
    expect(ticketRequests[0]!.url).toBe(`${harness.room.url}/api/connect-ticket`);
    expect(new Headers(ticketRequests[0]!.init?.headers).get("x-api-key")).toBe("key_secret");
    expect(JSON.parse(String(ticketRequests[0]!.init?.body))).toEqual({ workspaceId: "ws_1" });

    harness.room.latest.socket.close(1012, "restart");
    const second = await harness.room.waitForConnections(2);
    expect(second.url.searchParams.get("ticket")).toBe("tk_2");
  });

  it("stops for good when the ticket exchange says the key is invalid", async () => {
    const fakeFetch = (async () =>
      Response.json(
        { error: { code: "unauthenticated", message: "invalid or revoked API key" } },
        { status: 401 },
      )) as typeof fetch;
    const client = connect({ WebSocket, fetch: fakeFetch });
    await expect(client.ready()).rejects.toMatchObject({
      code: "unauthenticated",
      message: "authentication failed: invalid or revoked API key",
    });
    expect(client.status).toBe("closed");
    expect(harness.room.connections).toHaveLength(0);
  });

  it("uses a ticket provider when given one", async () => {
    let n = 0;
    const client = connect({ apiKey: undefined, ticket: async () => `custom_${++n}` });
    await client.ready();
    expect(harness.room.latest.url.searchParams.get("ticket")).toBe("custom_1");
  });

  it.each([
    [4001, "unauthenticated"],
    [4003, "forbidden"],
    [4008, "protocol_unsupported"],
  ])("treats close code %i as terminal", async (code, errorCode) => {
    harness.room.onConnect = () => null;
    const client = connect();
    const seen = statuses(client);
    const pending = client.threads.list();
    const connection = await harness.room.waitForConnections(1);
    fakeClock();
    connection.socket.close(code, "nope");
    await expect(client.ready()).rejects.toMatchObject({ code: errorCode });
    await expect(pending).rejects.toMatchObject({ code: errorCode });
    expect(client.status).toBe("closed");
    expect(seen.at(-1)?.[1].error?.code).toBe(errorCode);
    await staysClosed(seen);
    await expect(client.threads.list()).rejects.toBeInstanceOf(AutopilotError);
  });

  it("a server on another protocol refuses with 4008: protocol_unsupported once, with an 'update your client' message, and no reconnect loop", async () => {
    const { client, seen, connection } = await heldClient();
    // The room's own reason (shared/protocol/version.ts), from a server one version ahead.
    connection.socket.close(
      4008,
      `protocol ${PROTOCOL_VERSION} is not supported: this server speaks protocols ${PROTOCOL_VERSION + 1} to ${PROTOCOL_VERSION + 2}`,
    );
    const error = (await client.ready().then(
      () => null,
      (e: unknown) => e,
    )) as AutopilotError;
    expect(error).toMatchObject({
      code: "protocol_unsupported",
      retryable: false,
      details: {
        clientProtocol: PROTOCOL_VERSION,
        serverProtocol: PROTOCOL_VERSION + 2,
        serverOldestProtocol: PROTOCOL_VERSION + 1,
      },
    });
    expect(error.message).toBe(
      `this client speaks protocols ${OLDEST_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}, which the server no longer supports (it speaks protocols ${PROTOCOL_VERSION + 1} to ${PROTOCOL_VERSION + 2}): update your client (reload the app, or install the latest autopilot CLI)`,
    );
    expect(client.closeError).toBe(error);
    await staysClosed(seen);
    expect(seen.map(([status]) => status).filter((s) => s !== "connecting")).toEqual(["closed"]);
  });

  it("negotiates down: an older server's 4008 names its versions, the client asks again for the newest it can read and reads it in its own shapes", async () => {
    const older = PROTOCOL_VERSION - 1;
    harness.room.onConnect = () => null;
    const client = connect();
    const first = await harness.room.waitForConnections(1);
    expect(first.url.searchParams.get("protocol")).toBe(String(PROTOCOL_VERSION));
    // A server from before the range named one version.
    first.socket.close(4008, `protocol ${PROTOCOL_VERSION} is not supported: this server speaks protocol ${older}`);
    const second = await harness.room.waitForConnections(2);
    expect(second.url.searchParams.get("protocol")).toBe(String(older));
    // The older server's hello, in its own shapes (what the room's cut sends a client of that version).
    const current = hello({
      snapshot: snapshot({ threads: [thread("t1")], approvals: [approval("a1", { title: "Deploy" })] }),
    });
    const sent = eventFor(older, "hello", current) as typeof current;
    expect(sent.protocol).toBe(older);
    second.event("hello", sent as never);
    const greeted = await client.ready();
    expect(greeted.protocol).toBe(PROTOCOL_VERSION);
    // The cut's way up fills in what the current version added; the shapes both versions
    // share arrive as they were sent.
    expect(client.state.approvals.get("a1")).toEqual(current.snapshot!.approvals[0]);
    expect(client.state.threads.get("t1")).toEqual(current.snapshot!.threads[0]);
    expect(harness.room.connections).toHaveLength(2);
  });

  it("on an older server says what it lacks, once, and refuses a method that came after it without asking", async () => {
    const older = PROTOCOL_VERSION - 1;
    harness.room.onConnect = (connection) => {
      if (connection.url.searchParams.get("protocol") === String(older))
        return eventFor(older, "hello", hello()) as Partial<ReturnType<typeof hello>>;
      setTimeout(() => connection.socket.close(4008, `this server speaks protocols ${older} to ${older}`), 1);
      return null;
    };
    const client = connect();
    const told: unknown[] = [];
    client.on("degraded", (lacks) => told.push(lacks));
    await client.ready();
    const lacks = {
      serverProtocol: older,
      clientProtocol: PROTOCOL_VERSION,
      methods: methodsAfter(older),
      // Stepped down, it has none of its own version's capabilities.
      capabilities: [...offeredCapabilities(PROTOCOL_VERSION)].sort(),
    };
    expect(lacks.methods.length).toBeGreaterThan(0);
    expect(client.lacks).toEqual(lacks);
    expect(told).toEqual([lacks]);
    const method = lacks.methods[0] as "chats.bindingAccess";
    await expect(client.request(method, { bindingId: "b1", guests: "linked" } as never)).rejects.toMatchObject({
      code: "unknown_method",
      message: `${method} is not on this server: it speaks protocol ${older}, and ${method} came after it`,
    });
    // Nothing went to the server for it.
    expect(harness.room.latest.requests.filter((request) => request.method === method)).toEqual([]);
    // A reconnect to the same server says nothing new.
    harness.room.latest.socket.close(1012, "restart");
    await eventuallyReal(() => expect(harness.room.connections.length).toBeGreaterThanOrEqual(3));
    await eventuallyReal(() => expect(client.status).toBe("connected"));
    expect(told).toHaveLength(1);
  });

  it("a hello that says this version leaves soon is told once, with the version it is about", async () => {
    const deprecated = { removedAfter: "2027-03-01", upgrade: "install the current client" };
    harness.room.onConnect = () => ({ deprecated });
    const client = connect();
    const told: unknown[] = [];
    client.on("deprecated", (notice) => told.push(notice));
    await client.ready();
    expect(told).toEqual([{ protocol: PROTOCOL_VERSION, ...deprecated }]);
    expect(client.lacks).toBeNull();
    harness.room.latest.socket.close(1012, "restart");
    await eventuallyReal(() => expect(harness.room.connections).toHaveLength(2));
    await eventuallyReal(() => expect(client.status).toBe("connected"));
    expect(told).toHaveLength(1);
  });

  it("does not step down below the versions it can read", async () => {
    harness.room.onConnect = () => null;
    const client = connect();
    const first = await harness.room.waitForConnections(1);
    first.socket.close(
      4008,
      `protocol ${PROTOCOL_VERSION} is not supported: this server speaks protocols ${OLDEST_PROTOCOL_VERSION - 2} to ${OLDEST_PROTOCOL_VERSION - 1}`,
    );
    await expect(client.ready()).rejects.toMatchObject({
      code: "protocol_unsupported",
      details: { serverProtocol: OLDEST_PROTOCOL_VERSION - 1 },
    });
    expect(harness.room.connections).toHaveLength(1);
  });

  it("a hello from another protocol version is refused the same way; an older server is named as such", async () => {
    const { client, seen, connection } = await heldClient();
    connection.event("hello", hello({ protocol: PROTOCOL_VERSION - 1 }));
    await expect(client.ready()).rejects.toMatchObject({
      code: "protocol_unsupported",
      message: `this client speaks protocols ${OLDEST_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}, newer than the server's ${PROTOCOL_VERSION - 1}: use a client for protocol ${PROTOCOL_VERSION - 1}`,
    });
    await staysClosed(seen);
  });

  it("waits out a 4029 before reconnecting", async () => {
    harness.room.onConnect = () => (harness.room.connections.length === 1 ? null : {});
    // Sockets made, on the test's clock: a connect attempt shows the moment it starts.
    const made: number[] = [];
    class Recording extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        made.push(Date.now());
      }
    }
    const client = connect({ apiKey: undefined, ticket: async () => "tk", WebSocket: Recording });
    const seen = statuses(client);
    const first = await harness.room.waitForConnections(1);
    fakeClock(true);
    const closedAt = Date.now();
    first.socket.close(4029, JSON.stringify({ retryAfterMs: 300 }));
    // The next attempt announces its wait.
    const retryInMs = await announcedRetry(seen);
    expect(retryInMs).toBeGreaterThanOrEqual(300);
    await vi.advanceTimersByTimeAsync(retryInMs - 1);
    expect(made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await eventuallyReal(() => expect(made).toHaveLength(2));
    expect(made[1]! - closedAt).toBeGreaterThanOrEqual(300);
    vi.useRealTimers();
    await client.ready();
    expect(harness.room.connections).toHaveLength(2);
  });

  it("while the page is visible the wait between attempts stays a few seconds, however long the outage; hidden it grows; going online retries at once", async () => {
    const { page, win } = stubBrowserPage();
    vi.spyOn(Math, "random").mockReturnValue(0.999999);
    try {
      // The room is down: every socket is dropped before its hello.
      harness.room.onConnect = (connection) => {
        connection.socket.close(1011, "restarting");
        return null;
      };
      const client = connect({ backoff: { baseMs: 1_000, capMs: 60_000 } });
      const waits: number[] = [];
      client.on("status", (_, detail) => {
        if (detail.retryInMs !== undefined) waits.push(detail.retryInMs);
      });
      await harness.room.waitForConnections(1);
      fakeClock();
      for (let attempt = 1; attempt <= 6; attempt++) {
        await eventuallyReal(() => {
          vi.advanceTimersByTime(0);
          expect(waits).toHaveLength(attempt);
        });
        await vi.advanceTimersByTimeAsync(waits.at(-1)!);
      }
      // Uncapped, the sixth wait would be 32 s; visible, none is over the cap.
      expect(Math.max(...waits)).toBeLessThan(VISIBLE_CAP_MS);
      expect(waits.at(-1)).toBe(VISIBLE_CAP_MS - 1);
      // Hidden, the same outage waits up to the full backoff.
      page.visibilityState = "hidden";
      await eventuallyReal(() => {
        vi.advanceTimersByTime(0);
        expect(waits).toHaveLength(7);
      });
      expect(waits.at(-1)).toBeGreaterThan(VISIBLE_CAP_MS);
      // The network is back: the next attempt goes now, without waiting that out.
      const before = harness.room.connections.length;
      win.dispatchEvent(new Event("online"));
      await eventuallyReal(() => {
        vi.advanceTimersByTime(0);
        expect(harness.room.connections.length).toBe(before + 1);
      });
      client.close();
    } finally {
      vi.unstubAllGlobals();
      vi.restoreAllMocks();
    }
  });

  it("going online or back to the tab does not cut a wait the server named (a 4029's retryAfterMs)", async () => {
    const { page, win } = stubBrowserPage();
    try {
      harness.room.onConnect = () => (harness.room.connections.length === 1 ? null : {});
      // Sockets made: an attempt shows the moment it starts, before any I/O.
      let made = 0;
      class Recording extends WebSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          made++;
        }
      }
      const client = connect({ apiKey: undefined, ticket: async () => "tk", WebSocket: Recording });
      const seen = statuses(client);
      const first = await harness.room.waitForConnections(1);
      fakeClock();
      first.socket.close(4029, JSON.stringify({ retryAfterMs: 5_000 }));
      const retryInMs = await announcedRetry(seen);
      expect(retryInMs).toBeGreaterThanOrEqual(5_000);
      win.dispatchEvent(new Event("online"));
      page.dispatchEvent(new Event("visibilitychange"));
      await vi.advanceTimersByTimeAsync(retryInMs - 1);
      expect(made).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await eventuallyReal(() => expect(made).toBe(2));
      vi.useRealTimers();
      await client.ready();
      client.close();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("stops for good when an HTTP proxy refuses the upgrade with 401", async () => {
    const proxy = createServer();
    proxy.on("upgrade", (_request, socket) => {
      socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const client = connect({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
      await expect(client.ready()).rejects.toMatchObject({ code: "unauthenticated" });
      expect(client.status).toBe("closed");
    } finally {
      proxy.close();
    }
  });

  it("a terminal close ends the connection once the close frames have passed, though the server keeps it open", async () => {
    // A server that sends its close frame and then keeps the TCP connection, as workerd does for
    // a socket the room closed outside that socket's own events, until the room next goes idle.
    const room = createServer();
    const received: Buffer[] = [];
    let clientEnded!: () => void;
    const ended = new Promise<void>((resolve) => (clientEnded = resolve));
    room.on("upgrade", (request, socket) => {
      const accept = createHash("sha1")
        .update(`${request.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest("base64");
      const reason = Buffer.from("API key revoked");
      const close = Buffer.concat([Buffer.from([0x88, 2 + reason.length, 4001 >> 8, 4001 & 0xff]), reason]);
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.write(close);
      socket.on("data", (chunk: Buffer) => received.push(chunk));
      socket.on("end", () => clientEnded());
    });
    await new Promise<void>((resolve) => room.listen(0, "127.0.0.1", resolve));
    try {
      const client = connect({ url: `http://127.0.0.1:${(room.address() as AddressInfo).port}` });
      await expect(client.ready()).rejects.toMatchObject({
        code: "unauthenticated",
        message: expect.stringContaining("API key revoked"),
      });
      expect(client.status).toBe("closed");
      // The client answered the close frame before it ended its side: a close frame (its code
      // echoed, masked as a client's frames are) is what the server got, and then the end.
      await ended;
      const answer = Buffer.concat(received);
      expect(answer[0]).toBe(0x88);
      const mask = answer.subarray(2, 6);
      expect([answer[6]! ^ mask[0]!, answer[7]! ^ mask[1]!]).toEqual([4001 >> 8, 4001 & 0xff]);
    } finally {
      room.closeAllConnections();
      room.close();
    }
  });

  it("gives up in ready() after the deadline, saying why", async () => {
    const client = connect({ url: "http://127.0.0.1:9" });
    await expect(client.ready({ timeoutMs: 300 })).rejects.toMatchObject({
      code: "timeout",
      message: expect.stringMatching(/ECONNREFUSED|connect/),
    });
    expect(client.status).not.toBe("closed");
  });

  it("reconnects when the room opens a socket but never says hello", async () => {
    // Not fast enough to test the real 10 s watchdog; a dropped socket takes the same path.
    harness.room.onConnect = (connection) => {
      if (harness.room.connections.length === 1) {
        setTimeout(() => connection.socket.terminate(), 5);
        return null;
      }
      return {};
    };
    const client = connect();
    await client.ready();
    expect(harness.room.connections).toHaveLength(2);
  });
});
