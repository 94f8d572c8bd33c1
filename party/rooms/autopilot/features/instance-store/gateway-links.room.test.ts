// instances.link: a gateway its users run elsewhere. The address policy as a plain
// function, and the room's side: gated like a provision, refused operations, and the
// token in no frame any member receives and sealed at rest. (Dialling a real gateway: client/test/e2e-linked-gateway.test.ts.)
import { env, evictDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { GatewayUrl, InstancesLinkParams } from "../../../../../shared/protocol/instance-links";
import { gatewayDialUrl, privateHostReason, readLinkPolicy } from "./gateway-address";
import {
  autopilotStub,
  decisionOn,
  idem,
  inAutopilot,
  instanceUpdated,
  openTeam,
  ownWorkspace,
  RawSocket,
} from "../../../../test/harness";
import { gatewayLink, linkTokens } from "./gateway-links";
import { gatewayLinks } from "./tables";

/** The Worker secret the room seals with (vitest.worker.config.ts). */
const SECRET = (env as unknown as { BETTER_AUTH_SECRET: string }).BETTER_AUTH_SECRET;
const PUBLIC = { allowPrivate: false };
const LOCAL = { allowPrivate: true };

describe("linked gateway addresses", () => {
  it("dials ws/wss as http/https and keeps host, port and path", () => {
    expect(gatewayDialUrl("wss://gw.example.com", PUBLIC)).toBe("https://gw.example.com/");
    expect(gatewayDialUrl("ws://203.0.113.7:18789/gateway", PUBLIC)).toBe("http://203.0.113.7:18789/gateway");
    expect(gatewayDialUrl("https://gw.example.com:8443/ws", PUBLIC)).toBe("https://gw.example.com:8443/ws");
  });

  it("refuses loopback, private, link-local and intranet hosts unless the operator allows them", () => {
    const refused = [
      "ws://127.0.0.1:18789",
      "ws://127.1.2.3",
      "ws://10.0.0.5",
      "ws://172.20.1.1",
      "ws://192.168.1.10",
      "ws://169.254.169.254",
      "ws://100.64.0.1",
      "ws://0.0.0.0",
      "ws://[::1]:18789",
      "ws://[fd00::1]",
      "ws://[fe80::1]",
      "ws://[::ffff:127.0.0.1]",
      "ws://localhost:18789",
      "ws://gw.localhost",
      "ws://printer.local",
      "ws://gw.corp.internal",
      "ws://intranet-gw",
      // URL normalises other spellings of an address first.
      "ws://0x7f000001",
      "ws://2130706433",
    ];
    for (const url of refused) {
      expect(() => gatewayDialUrl(url, PUBLIC), url).toThrow(/public addresses/);
      expect(gatewayDialUrl(url, LOCAL), url).toMatch(/^http:/);
    }
    expect(privateHostReason("gw.example.com")).toBeNull();
    expect(privateHostReason("8.8.8.8")).toBeNull();
    expect(privateHostReason("[2606:4700:4700::1111]")).toBeNull();
  });

  it("reads every IPv6 spelling as its address: loopback, private, link-local, site-local, NAT64, embedded IPv4 and special-purpose forms are refused, public ones pass", () => {
    // Each host by the reason it is refused for. ::127.0.0.1, ::ffff:0:127.0.0.1, 64:ff9b::127.0.0.1
    // and fec0::1 passed before: each another way to reach 127.0.0.1 or a private net.
    const refused: Record<string, string[]> = {
      "IPv4-compatible": ["::127.0.0.1", "::10.0.0.1", "::2"],
      "IPv4-translated": ["::ffff:0:127.0.0.1", "::ffff:0:8.8.8.8"],
      NAT64: ["64:ff9b::127.0.0.1", "64:ff9b::10.0.0.1", "64:ff9b::8.8.8.8", "64:ff9b:1::1", "64:ff9b:1:abcd::7f00:1"],
      "site-local": ["fec0::1", "fec0:0:0:1::1", "feff::1"],
      loopback: ["::1", "0:0:0:0:0:0:0:1", "0000:0000:0000:0000:0000:0000:0000:0001"],
      unspecified: ["::"],
      "IPv4-mapped": ["::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:8.8.8.8"],
      "unique-local": ["fc00::1", "fd12:3456:789a::1"],
      "link-local": ["FE80::1", "febf:ffff::1"],
      multicast: ["ff02::1"],
      discard: ["100::1"],
      documentation: ["2001:db8::1", "3fff::1"],
      Teredo: ["2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2"],
      "6to4": ["2002:7f00:1::1", "2002:c0a8:101::1"],
      "not global unicast": ["1::1", "4000::1"],
    };
    for (const [reason, hosts] of Object.entries(refused)) {
      for (const url of hosts.map((host) => `ws://[${host}]`)) {
        expect(() => gatewayDialUrl(url, PUBLIC), url).toThrow(reason);
        expect(() => gatewayDialUrl(url, PUBLIC), url).toThrow(/public addresses/);
        expect(gatewayDialUrl(url, LOCAL), url).toMatch(/^http:/);
      }
    }
    for (const url of [
      "ws://[2606:4700:4700::1111]",
      "wss://[2001:4860:4860::8888]:8443/gw",
      "ws://[2a00:1450:4001:82b::200e]",
      "ws://[2002:808:808::1]",
      "ws://[2c0f:fb50:4003::1]",
    ]) {
      expect(gatewayDialUrl(url, PUBLIC), url).toMatch(/^https?:\/\/\[/);
    }
  });

  it("refuses other schemes, credentials, queries and fragments, and over-long or malformed URLs by shape", () => {
    for (const url of [
      "ftp://gw.example.com",
      "gw.example.com:18789",
      "wss://user:pass@gw.example.com",
      "wss://gw.example.com/?token=abc",
      "wss://gw.example.com/#x",
      `wss://gw.example.com/${"a".repeat(2100)}`,
      "wss://gw example.com",
    ]) {
      expect(GatewayUrl.safeParse(url).success, url).toBe(false);
    }
    expect(() => gatewayDialUrl("ftp://gw.example.com", LOCAL)).toThrow(/must start with/);
    expect(() => gatewayDialUrl("wss://u:p@gw.example.com", LOCAL)).toThrow(/credentials/);
    expect(GatewayUrl.safeParse("wss://gw.example.com:18789/openclaw").success).toBe(true);
    expect(
      InstancesLinkParams.safeParse({
        instanceId: "home",
        name: "Home",
        url: "wss://gw.example.com",
        token: "short",
        idempotencyKey: "k-1",
      }).success,
    ).toBe(false);
  });

  it('reads the policy from the Worker\'s vars: only "1" allows private addresses', () => {
    expect(readLinkPolicy({})).toEqual({ allowPrivate: false });
    expect(readLinkPolicy({ LINKED_GATEWAY_ALLOW_PRIVATE: "true" })).toEqual({ allowPrivate: false });
    expect(readLinkPolicy({ LINKED_GATEWAY_ALLOW_PRIVATE: "1" })).toEqual({ allowPrivate: true });
  });
});

const TOKEN = `linked-secret-${crypto.randomUUID()}`;
/** instances.link's params: the gateway `home` at `url`, with its token. */
const linkHome = (url: string) => ({ instanceId: "home", name: "Home", url, token: TOKEN, idempotencyKey: idem() });

describe("instances.link in the room", () => {
  it("is gated, refuses what needs our runtime, unlinks on delete, and never shows the token to anyone", async () => {
    const { ws, owner, ownerSocket: o, secondSocket: v, agentSocket: g } = await openTeam("viewer");
    // The workerd tests run with the production policy: private addresses are refused.
    const refused = await g.call("instances.link", linkHome("ws://127.0.0.1:18789"));
    expect(refused).toMatchObject({
      ok: false,
      error: { code: "bad_request", details: { reason: "private_address" } },
    });
    expect(await g.call("instances.link", linkHome("wss://u:p@gw.example.com"))).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    expect(await v.call("instances.link", linkHome("wss://gw.example.com"))).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });

    // Denied: nothing is linked, and the same id may be asked again.
    const first = (await g.ok("instances.link", linkHome("wss://gw.example.com/openclaw"))).approval;
    expect(first).toMatchObject({
      status: "pending",
      risk: "high",
      action: { kind: "instance", operation: "link", instanceId: "home", name: "Home" },
    });
    expect(first.details).toContain("wss://gw.example.com/openclaw");
    expect(await g.call("instances.link", linkHome("wss://gw.example.com"))).toMatchObject({
      ok: false,
      error: { code: "conflict" },
    });
    // The agent that asked cannot decide it; a person with approve can.
    expect(await g.call("approvals.resolve", decisionOn(first.id, "approve"))).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    await o.ok("approvals.resolve", decisionOn(first.id, "deny"));
    expect((await o.ok("instances.list", {})).instances).toEqual([]);

    const { approval } = await g.ok("instances.link", linkHome("wss://gw.example.com/openclaw"));
    await o.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    const linked = await instanceUpdated(v, (i) => i.kind === "linked");
    expect(linked.payload.instance).toMatchObject({
      id: "home",
      name: "Home",
      kind: "linked",
      url: "wss://gw.example.com/openclaw",
      status: "ready",
    });
    const job = await v.waitFor<{ payload: { job: { status: string; title: string } } }>(
      (f) => f.event === "job.finished" && (f.payload as { job: { title: string } }).job.title === approval.title,
    );
    expect(job.payload.job.status).toBe("succeeded");

    // At rest the token is sealed (bound to the workspace and instance); the bridge opens it to dial.
    const stored = await inAutopilot(ws, (sql) => sql.db.select().from(gatewayLinks).all());
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token).toMatch(/^sealed:/);
    expect(JSON.stringify(stored)).not.toContain(TOKEN);
    const tokens = linkTokens(SECRET, ws);
    expect(await inAutopilot(ws, (sql) => gatewayLink(sql, "home", tokens)!.token())).toBe(TOKEN);
    // Copied to another instance's row, or opened for another workspace, it does not open.
    expect(() => tokens.open("away", stored[0]!.token)).toThrow();
    expect(() => linkTokens(SECRET, "another").open("home", stored[0]!.token)).toThrow();

    // What only our runtime can do is refused, with a typed error saying why.
    for (const method of ["instances.restart", "instances.backup"] as const) {
      expect(await g.call(method, { instanceId: "home", idempotencyKey: idem() })).toMatchObject({
        ok: false,
        error: { code: "conflict", details: { kind: "linked", instanceId: "home" } },
      });
    }
    expect(
      await g.call("instances.restore", {
        instanceId: "home",
        backupId: "2026-01-01T00-00-00-000Z.tar.gz",
        idempotencyKey: idem(),
      }),
    ).toMatchObject({
      ok: false,
      error: { code: "conflict", details: { kind: "linked" } },
    });
    const { details } = await o.ok("instances.details", { instanceId: "home" });
    expect(details).toMatchObject({ backups: [], model: null, schedule: { intervalSeconds: 0 } });

    // A late joiner's snapshot and the audit log show the link, not the token.
    const late = await RawSocket.open(ws, { cookie: owner.cookie });
    expect((await late.hello()).snapshot!.instances).toEqual([expect.objectContaining({ id: "home", kind: "linked" })]);
    await o.ok("audit.list", {});

    // Unlink = delete (gated): the instance stops and its threads are detached.
    const { approval: unlink } = await g.ok("instances.delete", { instanceId: "home", idempotencyKey: idem() });
    expect(unlink.details).toMatch(/Unlinks the gateway/);
    await o.ok("approvals.resolve", decisionOn(unlink.id, "approve"));
    await instanceUpdated(v, (i) => i.status === "stopped");

    for (const s of [o, v, g, late]) {
      const all = JSON.stringify(s.frames);
      expect(all.length).toBeGreaterThan(1000);
      expect(all).not.toContain(TOKEN);
      expect(all).not.toContain("linked-secret-");
    }
    for (const s of [o, v, g, late]) s.close();
  });
});

describe("linked gateways' tokens at rest", () => {
  it("a row written before tokens were sealed keeps working, and is sealed at the room's next start", async () => {
    const { owner, ws, sock } = await ownWorkspace();
    sock.close();
    const tokens = linkTokens(SECRET, ws);
    const old = `linked-secret-${crypto.randomUUID()}`;
    const row = () =>
      inAutopilot(ws, (sql) => sql.db.select().from(gatewayLinks).where(eq(gatewayLinks.instanceId, "old")).get());
    // As earlier versions wrote it: the token as it was given.
    await inAutopilot(ws, (sql) =>
      sql.db
        .insert(gatewayLinks)
        .values({
          instanceId: "old",
          approvalId: "apr_old",
          url: "wss://gw.example.com",
          token: old,
          linked: 0,
          createdAt: 1,
        })
        .run(),
    );
    expect((await row())!.token).toBe(old);
    expect(tokens.open("old", old)).toBe(old);
    await evictDurableObject(autopilotStub(ws));
    const again = await RawSocket.open(ws, { cookie: owner.cookie });
    await again.hello();
    again.close();
    const sealed = (await row())!.token;
    expect(sealed).toMatch(/^sealed:/);
    expect(sealed).not.toContain(old);
    expect(tokens.open("old", sealed)).toBe(old);
  });
});
