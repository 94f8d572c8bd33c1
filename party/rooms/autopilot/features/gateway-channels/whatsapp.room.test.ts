// WhatsApp linked by QR (whatsapp.ts) against the scripted gateway: a link is a person's
// approval; once approved, the gateway's QR is what the room pushes, replaced as the gateway
// sends a newer one, until the phone's scan links it or a person cancels it; the QR goes only
// to people who may link WhatsApp, every other reader gets the state without it; the failures
// come back in plain words, and a QR that is not a bounded base64 PNG is never passed on. The
// real stack's push (and the real gateway's answer: no WhatsApp plugin) is in
// client/test/e2e-channels-skills.test.ts.
import { describe, expect, it, vi } from "vitest";
import {
  InstancesDisconnectChannelParams,
  InstancesLinkWhatsAppParams,
  isQrDataUrl,
  MAX_QR_DATA_URL_CHARS,
} from "../../../../../shared/protocol/channels";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { asPerson, asRoom, connectTo, inRoom, linkAndGateway, ok, refuse } from "../../../../test/bridge-peer";
import { idem } from "../../../../test/harness";
import { decide, operationDeps } from "../../../../test/instance-ops";
import { getApproval } from "../approvals/approvals";
import type { BridgeLink } from "../gateway-bridge/bridge-link";
import { listJobs } from "../jobs/jobs";
import type { WhatsAppLogin } from "../../../../../shared/protocol/channels";
import type { Principal } from "../../../../../shared/protocol/principal";
import { type Audience, mayBeTold } from "../../../../rooms/shared/reading";
import type { RoomServices } from "../../kernel/services";
import { settleChannelApproval } from "./operations";
import { instanceWhatsAppLogin, cancelWhatsAppLogin } from "./status";
import { requestDisconnectChannel, requestLinkWhatsApp } from "./requests";
import { LOGIN_WINDOW_MS, whatsAppLogin } from "./whatsapp";

const png = (body: string) => `data:image/png;base64,${btoa(body)}`;
const QR1 = png("first qr");
const QR2 = png("second qr");

/** The instance's bridge as the room holds it: one object for as long as the link lasts. */
const bridgeOver = (link: BridgeLink) => ({
  unpair: async () => {},
  channels: {
    request: (method: string, params?: Record<string, unknown>, timeoutMs?: number) =>
      link.open().request(method, params, timeoutMs),
  },
});
/** What the room pushed of a link, by audience, in order. */
type Told = { to: Audience; instanceId: string; login: WhatsAppLogin };
const depsOver = (sql: Sql, bridge: ReturnType<typeof bridgeOver>, told: Told[] = []) =>
  operationDeps(sql, [], {
    gateway: () => bridge,
    toScope: ((to: Audience, _event: string, payload: { instanceId: string; login: WhatsAppLogin }) =>
      told.push({ to, ...payload })) as RoomServices["toScope"],
  });

/** Who reads the workspace, each kind of principal that may. */
const person = (scopes: Principal["scopes"]): Principal => ({ id: "u", kind: "user", name: "P", scopes });
const agent = (scopes: Principal["scopes"]): Principal => ({ id: "k", kind: "agent", name: "K", scopes });
const READERS = {
  owner: person(["admin"]),
  member: person(["read", "write", "approve"]),
  viewer: person(["read"]),
  agentWriter: agent(["read", "write"]),
  agentAdmin: agent(["admin"]),
};
/** Which of them may see a link's QR: the people who may link WhatsApp. */
const MAY_SEE_QR = ["owner", "member"];

const askLink = (sql: Sql) =>
  asPerson(sql, (ctx) =>
    requestLinkWhatsApp(ctx, InstancesLinkWhatsAppParams.parse({ instanceId: "inst", idempotencyKey: idem() })),
  ).approval;
const jobOf = (sql: Sql, title: string) =>
  listJobs(sql, { active: false, limit: 20 }).items.find((j) => j.title === title);

/** A promise the test settles: a gateway wait held until the test has looked. */
function held<T>() {
  let release!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

describe("WhatsApp by QR through the scripted gateway", () => {
  it("a person's approval starts it; the gateway's QR shows, a newer one replaces it, the scan links it; unlinking logs it out", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      const waits = [held<ReturnType<typeof ok>>(), held<ReturnType<typeof ok>>()];
      gw.on("web.login.start", () =>
        ok({ qrDataUrl: QR1, message: "Scan this QR in WhatsApp → Linked Devices.", sessionKey: "wa-session-1" }),
      );
      let waited = 0;
      gw.on("web.login.wait", () => waits[waited++]!.promise);
      gw.on("channels.logout", () => ok({ channel: "whatsapp", cleared: true }));
      gw.on("channels.stop", () => ok({ stopped: true }));
      link.connection = await connectTo(gw);
      const bridge = bridgeOver(link);

      // An agent's key may not: whoever scans puts their WhatsApp behind the instance.
      expect(() =>
        asRoom(sql, (ctx) =>
          requestLinkWhatsApp(ctx, InstancesLinkWhatsAppParams.parse({ instanceId: "inst", idempotencyKey: idem() })),
        ),
      ).toThrow(RoomError);
      const approval = askLink(sql);
      expect(approval).toMatchObject({
        status: "pending",
        risk: "high",
        title: 'Link WhatsApp on OpenClaw instance "Work"',
        action: { operation: "configureChannel", channel: { channel: "whatsapp", accountId: "default" } },
      });
      // Nothing reaches the gateway before a person decides.
      expect(gw.requests("web.login.start")).toHaveLength(0);
      expect(whatsAppLogin(bridge).state).toBe("idle");

      const told: Told[] = [];
      const running = settleChannelApproval(depsOver(sql, bridge, told), decide(sql, approval.id, "approve"));
      await vi.waitFor(() => expect(whatsAppLogin(bridge)).toMatchObject({ state: "scan", qrDataUrl: QR1 }));
      expect(whatsAppLogin(bridge).message).toContain("Linked Devices");
      expect(gw.requests("web.login.start")[0]!.params).toMatchObject({ channel: "whatsapp", accountId: "default" });
      await vi.waitFor(() => expect(gw.requests("web.login.wait")).toHaveLength(1));
      expect(gw.requests("web.login.wait")[0]!.params).toMatchObject({
        channel: "whatsapp",
        sessionKey: "wa-session-1",
        currentQrDataUrl: QR1,
      });
      expect(jobOf(sql, approval.title)?.status).toBe("running");

      // The gateway's QR expired: the newer one replaces it, and the next wait names it.
      waits[0]!.release(ok({ connected: false, qrDataUrl: QR2, message: "A new QR code." }));
      await vi.waitFor(() => expect(whatsAppLogin(bridge)).toMatchObject({ state: "scan", qrDataUrl: QR2 }));
      await vi.waitFor(() => expect(gw.requests("web.login.wait")).toHaveLength(2));
      expect(gw.requests("web.login.wait")[1]!.params).toMatchObject({ currentQrDataUrl: QR2 });

      // The phone scanned it.
      waits[1]!.release(ok({ connected: true, message: "Linked!" }));
      await running;
      expect(whatsAppLogin(bridge)).toMatchObject({ state: "linked", qrDataUrl: null, message: "Linked!" });
      expect(jobOf(sql, approval.title)).toMatchObject({ status: "succeeded" });

      // Each change was pushed as it happened, twice: whole to the people who may link, and
      // without its QR to every other reader; no reader is in both, every reader in one.
      const seen = (who: Principal) =>
        told.filter((t) => mayBeTold(who, t.to)).map((t) => [t.login.state, t.login.qrDataUrl]);
      const states = [
        ["starting", null],
        ["scan", QR1],
        ["scan", QR2],
        ["linked", null],
      ];
      for (const [name, who] of Object.entries(READERS))
        expect(seen(who), name).toEqual(MAY_SEE_QR.includes(name) ? states : states.map(([state]) => [state, null]));
      expect(told.every((t) => t.instanceId === "inst")).toBe(true);

      // Unlinking is an approval too, then the gateway's logout.
      const unlink = asPerson(sql, (ctx) =>
        requestDisconnectChannel(
          ctx,
          InstancesDisconnectChannelParams.parse({ instanceId: "inst", channel: "whatsapp", idempotencyKey: idem() }),
        ),
      ).approval;
      expect(unlink.details).toContain("linked WhatsApp session");
      const unlinked: Told[] = [];
      await settleChannelApproval(depsOver(sql, bridge, unlinked), decide(sql, unlink.id, "approve"));
      expect(gw.requests("channels.logout")[0]!.params).toMatchObject({ channel: "whatsapp", accountId: "default" });
      expect(whatsAppLogin(bridge)).toMatchObject({ state: "idle", message: "WhatsApp was unlinked" });
      expect(unlinked.map((t) => t.login.state)).toEqual(["idle", "idle"]);
      expect(getApproval(sql, unlink.id)?.status).toBe("approved");
    });
  });

  it("says in plain words that the gateway has no WhatsApp, or cannot reach it; passes on no QR but a bounded PNG", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      let start = () => refuse("INVALID_REQUEST", "web login provider is not available");
      gw.on("web.login.start", () => start());
      link.connection = await connectTo(gw);
      const bridge = bridgeOver(link);
      const attempt = async () => {
        const approval = askLink(sql);
        await settleChannelApproval(depsOver(sql, bridge), decide(sql, approval.id, "approve"));
        return jobOf(sql, approval.title);
      };

      const missing = await attempt();
      expect(missing).toMatchObject({ status: "failed" });
      expect(missing?.error).toMatch(
        /has no WhatsApp channel: WhatsApp's plugin \(@openclaw\/whatsapp\) is not installed/,
      );
      expect(whatsAppLogin(bridge)).toMatchObject({ state: "failed", qrDataUrl: null, message: missing?.error });

      start = () => refuse("UNAVAILABLE", "connect ETIMEDOUT web.whatsapp.com:443");
      const offline = await attempt();
      expect(offline?.error).toMatch(/could not reach WhatsApp \(.*connect ETIMEDOUT web\.whatsapp\.com:443\)/);

      // Not a PNG data URL, or one past the bound: no QR to show, in words.
      for (const qrDataUrl of [
        "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
        "https://evil.example/qr.png",
        `data:image/png;base64,${"A".repeat(MAX_QR_DATA_URL_CHARS)}`,
        'data:image/png;base64,AAAA" onerror="alert(1)',
      ]) {
        start = () => ok({ qrDataUrl, message: "scan me" });
        const refused = await attempt();
        expect(refused?.error).toMatch(/gave no QR code to scan/);
        expect(whatsAppLogin(bridge).qrDataUrl).toBeNull();
        expect(isQrDataUrl(qrDataUrl)).toBe(false);
      }
      expect(isQrDataUrl(QR1)).toBe(true);
    });
  });

  it("reads a link's QR only to a person who may link WhatsApp; a person's cancel clears it at once and ends the job", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("web.login.start", () => ok({ qrDataUrl: QR1, sessionKey: "wa-session-2" }));
      // The gateway holds its wait open: only the cancel ends the link.
      const wait = held<ReturnType<typeof ok>>();
      gw.on("web.login.wait", () => wait.promise);
      link.connection = await connectTo(gw);
      const bridge = bridgeOver(link);
      const approval = askLink(sql);
      const told: Told[] = [];
      const running = settleChannelApproval(depsOver(sql, bridge, told), decide(sql, approval.id, "approve"));
      await vi.waitFor(() => expect(gw.requests("web.login.wait")).toHaveLength(1));

      for (const [name, who] of Object.entries(READERS))
        expect(instanceWhatsAppLogin(sql, bridge, "inst", who).login, name).toMatchObject({
          state: "scan",
          qrDataUrl: MAY_SEE_QR.includes(name) ? QR1 : null,
        });

      // Only a person stops a link (an agent's key never had the QR to show).
      expect(() => cancelWhatsAppLogin(sql, bridge, "inst", READERS.agentWriter, Date.now())).toThrow(RoomError);
      expect(whatsAppLogin(bridge).state).toBe("scan");
      const pushed = told.length;
      const { login } = cancelWhatsAppLogin(sql, bridge, "inst", READERS.member, Date.now());
      expect(login).toMatchObject({ state: "idle", qrDataUrl: null });
      expect(login.message).toMatch(/cancelled/);
      expect(whatsAppLogin(bridge).qrDataUrl).toBeNull();
      // Told to everyone at once, before the gateway's wait ended.
      expect(told.slice(pushed).map((t) => [t.login.state, t.login.qrDataUrl])).toEqual([
        ["idle", null],
        ["idle", null],
      ]);
      await running;
      expect(jobOf(sql, approval.title)).toMatchObject({ status: "cancelled" });
      // The gateway's late answer changes nothing.
      wait.release(ok({ connected: true }));
      expect(whatsAppLogin(bridge).state).toBe("idle");
      // A cancel with no link under way says where it stands.
      expect(cancelWhatsAppLogin(sql, bridge, "inst", READERS.owner, Date.now()).login.state).toBe("idle");
    });
  });

  it("says a QR nobody scanned in time expired, and pushes that", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("web.login.start", () => ok({ qrDataUrl: QR1 }));
      link.connection = await connectTo(gw);
      const bridge = bridgeOver(link);
      const approval = askLink(sql);
      const told: Told[] = [];
      // The room's clock: past the window from the first wait on.
      let clock = Date.now();
      const deps = { ...depsOver(sql, bridge, told), now: () => clock };
      gw.on("web.login.wait", () => {
        clock += LOGIN_WINDOW_MS;
        return ok({ connected: false, qrDataUrl: QR1 });
      });
      await settleChannelApproval(deps, decide(sql, approval.id, "approve"));
      expect(whatsAppLogin(bridge)).toMatchObject({ state: "expired", qrDataUrl: null });
      expect(whatsAppLogin(bridge).message).toMatch(/not scanned in time/);
      expect(told.at(-1)?.login.state).toBe("expired");
      expect(jobOf(sql, approval.title)).toMatchObject({ status: "failed" });
    });
  });
});
