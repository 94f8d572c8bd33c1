import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import { parseRoomPath } from "../room-path";
import { timeOf } from "../auth/d1-time";
import { SESSION_EXPIRES_IN_S, SESSION_UPDATE_AGE_S } from "../auth/options";
import { api, ORIGIN, RawSocket, signUp, workspaceWithMember } from "./harness";

/** Opens a raw socket on any room path, and reports how it closed (or that it stayed open). */
async function openPath(
  path: string,
  cookie: string,
): Promise<{ closed: Promise<number | "open">; frames: string[]; ws: WebSocket }> {
  const res = await SELF.fetch(`${ORIGIN}${path}`, { headers: { upgrade: "websocket", cookie } });
  const ws = res.webSocket!;
  ws.accept();
  const frames: string[] = [];
  ws.addEventListener("message", (e) => frames.push(e.data as string));
  // An open socket resolves as "open" after a while: a room that accepted it never closes it.
  const closed = new Promise<number | "open">((resolve) => {
    ws.addEventListener("close", (e) => resolve(e.code));
    setTimeout(() => resolve("open"), 5000);
  });
  return { closed, frames, ws };
}

/** The id with its first character percent-encoded: the same id, spelled differently. */
const encodedFirst = (id: string) => `%${id.charCodeAt(0).toString(16).toUpperCase()}${id.slice(1)}`;

describe("canonical room ids", () => {
  it("parses only the canonical spelling of a workspace id", () => {
    expect(parseRoomPath("/agents/autopilot/abc123")).toEqual({
      ok: true,
      room: "agents/autopilot",
      workspaceId: "abc123",
    });
    expect(parseRoomPath("/parties/hatchery/a%20b")).toEqual({
      ok: true,
      room: "parties/hatchery",
      workspaceId: "a b",
    });
    for (const path of [
      "/agents/autopilot/%55bc",
      "/agents/autopilot/a%2db",
      "/parties/hatchery/%c3%a9",
      "/agents/autopilot/%E0%A4%A",
      "/agents/autopilot/a+b",
    ]) {
      expect(parseRoomPath(path), path).toEqual({ ok: false, reason: "not_canonical" });
    }
    expect(parseRoomPath("/agents/autopilot/a/b")).toEqual({ ok: false, reason: "not_found" });
    expect(parseRoomPath("/agents/other/a")).toEqual({ ok: false, reason: "not_found" });
  });

  it("a percent-encoded workspace id is refused by both rooms instead of opening a new, empty one", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    for (const room of ["agents/autopilot", "parties/hatchery"]) {
      const sock = await openPath(`/${room}/${encodedFirst(ws)}?protocol=${PROTOCOL_VERSION}`, owner.cookie);
      expect(await sock.closed).toBe(4003);
      expect(sock.frames).toEqual([]);
    }
  });
});

describe("server-assigned connection ids", () => {
  it("a client-chosen _pk is ignored: two sockets asking for one id get distinct ids of the room's choosing", async () => {
    const { owner, ws, member: other } = await workspaceWithMember();
    const first = await RawSocket.open(ws, { cookie: owner.cookie }, { _pk: "chosen-id" });
    const firstHello = await first.hello();
    const second = await RawSocket.open(ws, { cookie: other.cookie }, { _pk: "chosen-id" });
    const secondHello = await second.hello();
    expect(firstHello.connectionId).not.toBe("chosen-id");
    expect(secondHello.connectionId).not.toBe("chosen-id");
    expect(secondHello.connectionId).not.toBe(firstHello.connectionId);
    // The second socket took nobody's place: closing it leaves the first one present.
    second.close();
    // Presence goes out as coalesced diffs (protocol 7): a socket that joined and left within
    // one window is never announced, so ask the room until the close has been handled.
    await vi.waitFor(
      async () => {
        const present = (await first.ok("presence.list", {})).presence.map((p) => p.connectionId);
        expect(present, "the room's presence once it handled the close").toEqual([firstHello.connectionId]);
      },
      { timeout: 5000, interval: 50 },
    );
    first.close();
  });

  it("resume does not depend on the connection id: a reconnect with a new id replays what it missed", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const a = await RawSocket.open(ws, { cookie: owner.cookie }, { _pk: "mine" });
    const hello = await a.hello();
    a.close();
    await a.waitClosed();
    const writer = await RawSocket.open(ws, { cookie: owner.cookie });
    await writer.hello();
    await writer.ok("threads.create", { title: "while away", idempotencyKey: `idem-${crypto.randomUUID()}` });
    const back = await RawSocket.open(
      ws,
      { cookie: owner.cookie },
      { _pk: "mine", lastSeq: hello.seq, epoch: hello.epoch },
    );
    expect(await back.hello()).toMatchObject({ snapshot: null, resumedFrom: hello.seq });
    expect((await back.waitFor((f) => f.event === "thread.created")).seq).toBe(hello.seq + 1);
    back.close();
    writer.close();
  });
});

describe("the session cookie at the gate (one D1 read per upgrade, shared by upgrades at the same moment)", () => {
  const db = (env as unknown as { DB: D1Database }).DB;
  const token = (cookie: string) => decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1)).split(".")[0]!;
  const sessionExpiry = async (cookie: string) =>
    timeOf(
      (await db
        .prepare(`select "expiresAt" from "session" where "token" = ?`)
        .bind(token(cookie))
        .first<{ expiresAt: string | number }>())!.expiresAt,
    );

  it("refuses at connect whatever D1 says now: a removed member, a disabled account, a signed-out session, a forged cookie", async () => {
    const { owner, ws, member } = await workspaceWithMember();
    await (await RawSocket.open(ws, { cookie: member.cookie })).hello();
    await db.prepare(`delete from "member" where "organizationId" = ? and "userId" = ?`).bind(ws, member.userId).run();
    expect((await (await RawSocket.open(ws, { cookie: member.cookie })).waitClosed()).code).toBe(4003);

    const disabled = await signUp();
    await db.prepare(`update "user" set "banned" = 1 where "id" = ?`).bind(disabled.userId).run();
    expect(await (await RawSocket.open(disabled.workspaceId, { cookie: disabled.cookie })).waitClosed()).toEqual({
      code: 4003,
      reason: "this account is disabled",
    });

    const leaving = await signUp();
    expect((await api("/api/auth/sign-out", { method: "POST", cookie: leaving.cookie, body: "{}" })).status).toBe(200);
    expect((await (await RawSocket.open(leaving.workspaceId, { cookie: leaving.cookie })).waitClosed()).code).toBe(
      4001,
    );

    const [name] = owner.cookie.split("=");
    const forged = `${name}=${encodeURIComponent(`${token(owner.cookie)}.${"A".repeat(43)}=`)}`;
    expect((await (await RawSocket.open(ws, { cookie: forged })).waitClosed()).code).toBe(4001);
  });

  it("upgrades of one session at the same moment all open as that person; the next, after the member was removed, is refused", async () => {
    const { ws, member } = await workspaceWithMember();
    const together = await Promise.all(Array.from({ length: 8 }, () => RawSocket.open(ws, { cookie: member.cookie })));
    for (const socket of together)
      expect((await socket.hello()).principal).toMatchObject({ id: member.userId, role: "member" });
    await db.prepare(`delete from "member" where "organizationId" = ? and "userId" = ?`).bind(ws, member.userId).run();
    expect((await (await RawSocket.open(ws, { cookie: member.cookie })).waitClosed()).code).toBe(4003);
    for (const socket of together) socket.close();
  });

  it("a session that has used a day of its life opens the socket and slides forward, as better-auth's getSession does", async () => {
    const person = await signUp();
    const due = Date.now() + (SESSION_EXPIRES_IN_S - SESSION_UPDATE_AGE_S) * 1000 - 60_000;
    await db
      .prepare(`update "session" set "expiresAt" = ? where "token" = ?`)
      .bind(new Date(due).toISOString(), token(person.cookie))
      .run();
    const socket = await RawSocket.open(person.workspaceId, { cookie: person.cookie });
    expect((await socket.hello()).principal.id).toBe(person.userId);
    expect(await sessionExpiry(person.cookie)).toBeGreaterThan(Date.now() + (SESSION_EXPIRES_IN_S - 60) * 1000);
    socket.close();
  });
});
