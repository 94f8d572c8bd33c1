// AutopilotClient: connecting, tickets, close codes and reconnecting (against FakeRoom).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { AutopilotError } from "../src/errors";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import { snapshot, thread } from "./fixtures";
import { fakeRoomPerTest } from "./client-harness";

const harness = fakeRoomPerTest();
const connect = (options?: Parameters<typeof harness.connect>[0]) => harness.connect(options);
const { statuses } = harness;

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
    const fakeFetch = (async () => Response.json({ error: { code: "unauthenticated", message: "invalid or revoked API key" } }, { status: 401 })) as typeof fetch;
    const client = connect({ WebSocket, fetch: fakeFetch });
    await expect(client.ready()).rejects.toMatchObject({ code: "unauthenticated", message: "authentication failed: invalid or revoked API key" });
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
    harness.room.onConnect = (connection) => {
      setTimeout(() => connection.socket.close(code, "nope"), 5);
      return null;
    };
    const client = connect();
    const seen = statuses(client);
    const pending = client.threads.list();
    await expect(client.ready()).rejects.toMatchObject({ code: errorCode });
    await expect(pending).rejects.toMatchObject({ code: errorCode });
    expect(client.status).toBe("closed");
    expect(seen.at(-1)?.[1].error?.code).toBe(errorCode);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(harness.room.connections).toHaveLength(1);
    await expect(client.threads.list()).rejects.toBeInstanceOf(AutopilotError);
  });

  it("a server on another protocol refuses with 4008: protocol_unsupported once, with an 'update your client' message, and no reconnect loop", async () => {
    harness.room.onConnect = (connection) => {
      // The room's own reason (shared/protocol/version.ts), from a server one version ahead.
      setTimeout(() => connection.socket.close(4008, `protocol ${PROTOCOL_VERSION} is not supported: this server speaks protocol ${PROTOCOL_VERSION + 1}`), 5);
      return null;
    };
    const client = connect();
    const seen = statuses(client);
    const error = (await client.ready().then(
      () => null,
      (e: unknown) => e,
    )) as AutopilotError;
    expect(error).toMatchObject({ code: "protocol_unsupported", retryable: false, details: { clientProtocol: PROTOCOL_VERSION, serverProtocol: PROTOCOL_VERSION + 1 } });
    expect(error.message).toBe(
      `this client speaks protocol ${PROTOCOL_VERSION}, which the server no longer supports (it speaks protocol ${PROTOCOL_VERSION + 1}): update your client (reload the app, or install the latest autopilot CLI)`,
    );
    expect(client.closeError).toBe(error);
    // Well past several backoff rounds (10–40 ms here): still the one connection attempt.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(harness.room.connections).toHaveLength(1);
    expect(seen.map(([status]) => status).filter((s) => s !== "connecting")).toEqual(["closed"]);
  });

  it("a hello from another protocol version is refused the same way; an older server is named as such", async () => {
    harness.room.onConnect = () => ({ protocol: PROTOCOL_VERSION - 1 });
    const client = connect();
    await expect(client.ready()).rejects.toMatchObject({
      code: "protocol_unsupported",
      message: `this client speaks protocol ${PROTOCOL_VERSION}, newer than the server's ${PROTOCOL_VERSION - 1}: use a client for protocol ${PROTOCOL_VERSION - 1}`,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(harness.room.connections).toHaveLength(1);
  });

  it("waits out a 4029 before reconnecting", async () => {
    harness.room.onConnect = (connection) => {
      if (harness.room.connections.length === 1) {
        setTimeout(() => connection.socket.close(4029, JSON.stringify({ retryAfterMs: 300 })), 5);
        return null;
      }
      return {};
    };
    const client = connect();
    const started = Date.now();
    await client.ready();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(harness.room.connections).toHaveLength(2);
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

  it("gives up in ready() after the deadline, saying why", async () => {
    const client = connect({ url: "http://127.0.0.1:9" });
    await expect(client.ready({ timeoutMs: 300 })).rejects.toMatchObject({ code: "timeout", message: expect.stringMatching(/ECONNREFUSED|connect/) });
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
