// The channel methods through the room's socket: who may ask, what every client receives (a
// bot token in no frame to anyone, not the asker's own answer, not the audit log), and the
// stored request gone after a denial. The gateway side is in channels.room.test.ts (scripted
// gateway) and the e2e against the pinned gateway.
import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { channelRequest } from "./requests";
import { seedInstance } from "../../../../test/bridge-peer";
import { idem, inAutopilot, openTeam } from "../../../../test/harness";

/** The error code of an answer, or null when it succeeded. */
const codeOf = (res: { ok: true } | { ok: false; error: { code: string } }): string | null =>
  res.ok ? null : res.error.code;

const TOKEN = "987654321:AAroom-secret-token_abcdefghijklmnop";

describe("channel methods in the room", () => {
  it("a viewer may not ask; a writer's request files an approval no client sees the token in; a denial drops it", async () => {
    const { ws, ownerSocket: o, secondSocket: viewer, agentSocket: g } = await openTeam("viewer");
    await inAutopilot(ws, (sql) =>
      seedInstance(sql, { id: "lab", name: "Lab", kind: "hosted", bridge: "offline", bridgeError: null }),
    );
    const ask = { instanceId: "lab", channel: "telegram" as const, botToken: TOKEN };
    expect(codeOf(await viewer.call("instances.configureChannel", { ...ask, idempotencyKey: idem() }))).toBe(
      "forbidden",
    );
    // A bot token is a person's to hand over: an agent's key asks for none, whatever its scopes.
    expect(await g.call("instances.configureChannel", { ...ask, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: expect.stringMatching(/a person connects/) },
    });
    expect(
      codeOf(await o.call("instances.configureChannel", { ...ask, channel: "whatsapp", idempotencyKey: idem() })),
    ).toBe("bad_request");
    expect(
      codeOf(
        await o.call("instances.configureChannel", { ...ask, appToken: "xapp-1234567890", idempotencyKey: idem() }),
      ),
    ).toBe("bad_request");
    expect(
      codeOf(await o.call("instances.configureChannel", { ...ask, instanceId: "nope", idempotencyKey: idem() })),
    ).toBe("not_found");

    const key = idem();
    const { approval } = await o.ok("instances.configureChannel", { ...ask, idempotencyKey: key });
    expect(approval).toMatchObject({
      status: "pending",
      risk: "high",
      title: 'Connect Telegram on OpenClaw instance "Lab"',
      action: { operation: "configureChannel", channel: { channel: "telegram", accountId: "default" } },
    });
    // The same key answers with the same approval, and files nothing new.
    expect((await o.ok("instances.configureChannel", { ...ask, idempotencyKey: key })).approval.id).toBe(approval.id);
    await o.waitFor(
      (f) => f.event === "approval.requested" && (f.payload as { approval: Approval }).approval.id === approval.id,
    );
    expect(await inAutopilot(ws, (sql) => channelRequest(sql, approval.id)?.secret?.botToken)).toBe(TOKEN);

    // A read: no bridge here, so the gateway cannot be asked (the answer says so).
    expect(codeOf(await viewer.call("instances.channels", { instanceId: "lab" }))).toBe("unavailable");
    // Access: an open policy must say "*", as the gateway requires.
    expect(
      codeOf(
        await g.call("instances.setChannelAccess", {
          instanceId: "lab",
          channel: "telegram",
          dmPolicy: "open",
          allowFrom: ["1"],
          idempotencyKey: idem(),
        }),
      ),
    ).toBe("bad_request");
    // One pending change per channel account: the configure still waits.
    expect(
      codeOf(
        await g.call("instances.disconnectChannel", { instanceId: "lab", channel: "telegram", idempotencyKey: idem() }),
      ),
    ).toBe("conflict");

    const denied = (
      await o.ok("approvals.resolve", { approvalId: approval.id, decision: "deny", idempotencyKey: idem() })
    ).approval;
    expect(denied.status).toBe("denied");
    await g.waitFor(
      (f) => f.event === "approval.resolved" && (f.payload as { approval: Approval }).approval.id === approval.id,
    );
    expect(await inAutopilot(ws, (sql) => channelRequest(sql, approval.id))).toBeNull();
    const access = (
      await g.ok("instances.setChannelAccess", {
        instanceId: "lab",
        channel: "telegram",
        dmPolicy: "allowlist",
        allowFrom: ["111"],
        idempotencyKey: idem(),
      })
    ).approval;
    expect(access.details).toContain("111");
    const audit = await o.ok("audit.list", {});
    expect(audit.entries.some((e) => e.targetId === approval.id)).toBe(true);

    for (const s of [o, viewer, g]) {
      expect(JSON.stringify(s.frames)).not.toContain(TOKEN);
      expect(JSON.stringify(s.frames)).not.toContain("AAroom-secret");
    }
    for (const s of [o, viewer, g]) s.close();
  });
});
