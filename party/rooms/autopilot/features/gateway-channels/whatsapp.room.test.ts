// WhatsApp linked by QR (whatsapp.ts) against the scripted gateway: a link is a person's
// approval; once approved, the gateway's QR is what the room shows, replaced as the gateway
// sends a newer one, until the phone's scan links it; the failures come back in plain words,
// and a QR that is not a bounded base64 PNG is never passed on. The real gateway's answer
// (no WhatsApp plugin) is in client/test/e2e-channels.test.ts.
import { describe, expect, it, vi } from "vitest";
import {
  InstancesDisconnectChannelParams,
  InstancesLinkWhatsAppParams,
  isQrDataUrl,
  MAX_QR_DATA_URL_CHARS,
} from "../../../../../shared/protocol/channels";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { asPerson, asRoom, connectTo, inRoom, linkAndGateway, ok, refuse } from "../../../../test/bridge-peer";
import { operationDeps } from "../../../../test/instance-ops";
import { getApproval, resolveApproval } from "../approvals/approvals";
import type { BridgeLink } from "../gateway-bridge/bridge-link";
import { listJobs } from "../jobs/jobs";
import { settleChannelApproval } from "./operations";
import { requestDisconnectChannel, requestLinkWhatsApp } from "./requests";
import { whatsAppLogin } from "./whatsapp";

const idem = () => `idem-${crypto.randomUUID()}`;
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
const depsOver = (sql: Sql, bridge: ReturnType<typeof bridgeOver>, events: DurableEvent[] = []) =>
  operationDeps(sql, events, { gateway: () => bridge });

const askLink = (sql: Sql) =>
  asPerson(sql, (ctx) =>
    requestLinkWhatsApp(ctx, InstancesLinkWhatsAppParams.parse({ instanceId: "inst", idempotencyKey: idem() })),
  ).approval;
const approve = (sql: Sql, approvalId: string) =>
  asPerson(sql, (ctx) =>
    resolveApproval(ctx, { approvalId, decision: "approve", confirmOwn: true, idempotencyKey: idem() }),
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

      const running = settleChannelApproval(depsOver(sql, bridge), approve(sql, approval.id));
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

      // Unlinking is an approval too, then the gateway's logout.
      const unlink = asPerson(sql, (ctx) =>
        requestDisconnectChannel(
          ctx,
          InstancesDisconnectChannelParams.parse({ instanceId: "inst", channel: "whatsapp", idempotencyKey: idem() }),
        ),
      ).approval;
      expect(unlink.details).toContain("linked WhatsApp session");
      await settleChannelApproval(depsOver(sql, bridge), approve(sql, unlink.id));
      expect(gw.requests("channels.logout")[0]!.params).toMatchObject({ channel: "whatsapp", accountId: "default" });
      expect(whatsAppLogin(bridge)).toMatchObject({ state: "idle", message: "WhatsApp was unlinked" });
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
        await settleChannelApproval(depsOver(sql, bridge), approve(sql, approval.id));
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
});
