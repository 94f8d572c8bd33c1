// The instance changes that hold a secret until a person decides (held-requests.ts), through
// the room's socket, as the channels and the skills ask for them: who may ask, what every
// client receives (a bot token, a skill's key or env value in no frame to anyone, not the
// asker's own answer, not the audit log), a skill approval's action only to sockets that asked
// for capability `instances.skills` (an older version's socket is checked strictly against its
// recorded schemas by the harness), and the stored request gone after a denial. The gateway
// side is in channels.room.test.ts and skills.room.test.ts (scripted gateway) and the e2e
// tests against the pinned gateway.
import { env, evictDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { OLDEST_PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { seedInstance } from "../../../../test/bridge-peer";
import {
  actionOnlyToAsking,
  approvalRequested,
  approvalResolved,
  autopilotStub,
  codeOf,
  decisionOn,
  idem,
  inAutopilot,
  openTeam,
  RawSocket,
  roomSkillSecrets,
} from "../../../../test/harness";
import { channelRequest, channelSecrets } from "../gateway-channels/requests";
import { channelRequests } from "../gateway-channels/tables";
import { skillRequest } from "../gateway-skills/requests";
import { skillRequests } from "../gateway-skills/tables";

const TOKEN = "987654321:AAroom-secret-token_abcdefghijklmnop";
/** The room seals waiting tokens under its BETTER_AUTH_SECRET (vitest.worker.config.ts). */
const secretsOf = (ws: string) =>
  channelSecrets((env as unknown as { BETTER_AUTH_SECRET: string }).BETTER_AUTH_SECRET, ws);
const API_KEY = "sk-room-skill-secret-0123456789abcdef";
const SKILL_MD = "---\nname: moon-word\ndescription: Answer with the moon word.\n---\n\nSay lunar.\n";

/** A team (a viewer second) whose room has the hosted instance "lab", its bridge offline: no gateway is asked. */
async function teamWithLab() {
  const team = await openTeam("viewer");
  await inAutopilot(team.ws, (sql) =>
    seedInstance(sql, { id: "lab", name: "Lab", kind: "hosted", bridge: "offline", bridgeError: null }),
  );
  return team;
}

describe("waiting channel tokens at rest", () => {
  it("a request filed before tokens were sealed keeps working, and is sealed at the room's next start", async () => {
    const { ws, owner } = await teamWithLab();
    const row = () =>
      inAutopilot(ws, (sql) =>
        sql.db.select().from(channelRequests).where(eq(channelRequests.approvalId, "apr_legacy")).get(),
      );
    // As earlier versions wrote it: the token as JSON.
    await inAutopilot(ws, (sql) =>
      sql.db
        .insert(channelRequests)
        .values({
          approvalId: "apr_legacy",
          instanceId: "lab",
          channel: "telegram",
          accountId: "default",
          secret: JSON.stringify({ botToken: TOKEN }),
          access: null,
          createdAt: 1,
        })
        .run(),
    );
    expect(await inAutopilot(ws, (sql) => channelRequest(sql, "apr_legacy", secretsOf(ws))?.secret)).toEqual({
      botToken: TOKEN,
    });
    await evictDurableObject(autopilotStub(ws));
    const again = await RawSocket.open(ws, { cookie: owner.cookie });
    await again.hello();
    again.close();
    expect((await row())!.secret).toMatch(/^sealed:/);
    expect(JSON.stringify(await row())).not.toContain(TOKEN);
    expect(await inAutopilot(ws, (sql) => channelRequest(sql, "apr_legacy", secretsOf(ws))?.secret)).toEqual({
      botToken: TOKEN,
    });
  });
});

describe("waiting skill keys at rest", () => {
  it("a request filed before changes were sealed keeps working, and is sealed at the room's next start", async () => {
    const { ws, owner } = await teamWithLab();
    const row = () =>
      inAutopilot(ws, (sql) =>
        sql.db.select().from(skillRequests).where(eq(skillRequests.approvalId, "apr_legacy_skill")).get(),
      );
    // As earlier versions wrote it: the change as JSON.
    await inAutopilot(ws, (sql) =>
      sql.db
        .insert(skillRequests)
        .values({
          approvalId: "apr_legacy_skill",
          instanceId: "lab",
          skillKey: "moon-word",
          change: JSON.stringify({ apiKey: API_KEY }),
          createdAt: 1,
        })
        .run(),
    );
    const opened = () =>
      inAutopilot(ws, (sql) => skillRequest(sql, "apr_legacy_skill", roomSkillSecrets(ws))?.change?.apiKey);
    expect(await opened()).toBe(API_KEY);
    await evictDurableObject(autopilotStub(ws));
    const again = await RawSocket.open(ws, { cookie: owner.cookie });
    await again.hello();
    again.close();
    expect((await row())!.change).toMatch(/^sealed:/);
    expect(JSON.stringify(await row())).not.toContain(API_KEY);
    expect(await opened()).toBe(API_KEY);
  });
});

describe("channel methods in the room", () => {
  it("a viewer may not ask; a writer's request files an approval no client sees the token in; a denial drops it", async () => {
    const { ws, ownerSocket: o, secondSocket: viewer, agentSocket: g } = await teamWithLab();
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
    await approvalRequested(o, approval.id);
    // At rest the token is sealed: the stored row holds no part of it; the channels feature opens it.
    const stored = await inAutopilot(ws, (sql) =>
      sql.db.select().from(channelRequests).where(eq(channelRequests.approvalId, approval.id)).get(),
    );
    expect(stored!.secret).toMatch(/^sealed:/);
    expect(JSON.stringify(stored)).not.toContain(TOKEN);
    expect(JSON.stringify(stored)).not.toContain("AAroom-secret");
    expect(await inAutopilot(ws, (sql) => channelRequest(sql, approval.id, secretsOf(ws))?.secret?.botToken)).toBe(
      TOKEN,
    );
    // Sealed for this workspace and channel account only.
    expect(await inAutopilot(ws, (sql) => channelRequest(sql, approval.id, secretsOf("another")))).toBeNull();

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

    const denied = (await o.ok("approvals.resolve", decisionOn(approval.id, "deny"))).approval;
    expect(denied.status).toBe("denied");
    await approvalResolved(g, approval.id);
    expect(await inAutopilot(ws, (sql) => channelRequest(sql, approval.id, secretsOf(ws)))).toBeNull();
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

describe("skill methods in the room", () => {
  it("a viewer may not ask; an agent asks to install and toggle but hands over no key; no key in any frame; the action only to sockets that asked", async () => {
    const { ws, owner, ownerSocket: o, secondSocket: viewer, agentSocket: g } = await teamWithLab();
    const asking = await RawSocket.open(ws, { cookie: owner.cookie }, { caps: "instances.skills" });
    const older = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    await Promise.all([asking.hello(), older.hello()]);
    const upload = { instanceId: "lab", slug: "moon-word", files: [{ path: "SKILL.md", content: SKILL_MD }] };

    expect(codeOf(await viewer.call("instances.uploadSkill", { ...upload, idempotencyKey: idem() }))).toBe("forbidden");
    expect(
      codeOf(
        await o.call("instances.uploadSkill", {
          ...upload,
          files: [{ path: "x.md", content: "x" }],
          idempotencyKey: idem(),
        }),
      ),
    ).toBe("bad_request");
    expect(
      codeOf(await o.call("instances.uploadSkill", { ...upload, instanceId: "nope", idempotencyKey: idem() })),
    ).toBe("not_found");
    // An agent proposes a skill: a person decides.
    const { approval } = await g.ok("instances.uploadSkill", { ...upload, idempotencyKey: idem() });
    expect(approval).toMatchObject({
      status: "pending",
      risk: "high",
      title: 'Install the skill "moon-word" on OpenClaw instance "Lab"',
      action: { kind: "instance", operation: "installSkill", skill: { key: "moon-word" } },
    });
    expect(approval.details).toContain("Say lunar.");
    // Who asked for the capability reads the action; who did not reads a plain approval it can decide.
    expect(await actionOnlyToAsking(approval, { asking, plain: o, older })).toMatchObject({
      operation: "installSkill",
    });
    // One pending change per skill.
    expect(
      codeOf(
        await o.call("instances.configureSkill", {
          instanceId: "lab",
          skillKey: "moon-word",
          enabled: false,
          idempotencyKey: idem(),
        }),
      ),
    ).toBe("conflict");
    const denied = (await o.ok("approvals.resolve", decisionOn(approval.id, "deny"))).approval;
    expect(denied.status).toBe("denied");
    await approvalResolved(g, approval.id);
    expect(await inAutopilot(ws, (sql) => skillRequest(sql, approval.id, roomSkillSecrets(ws)))).toBeNull();

    // A key is a person's to hand over.
    const key = { instanceId: "lab", skillKey: "moon-word", apiKey: API_KEY };
    expect(await g.call("instances.configureSkill", { ...key, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: expect.stringMatching(/a person sets/) },
    });
    const configured = (await o.ok("instances.configureSkill", { ...key, idempotencyKey: idem() })).approval;
    expect(configured.details).toContain("API key (hidden)");
    await approvalRequested(older, configured.id);
    expect(await inAutopilot(ws, (sql) => skillRequest(sql, configured.id, roomSkillSecrets(ws))?.change?.apiKey)).toBe(
      API_KEY,
    );
    // At rest the key is sealed: the stored row holds no part of it, and opens for this workspace only.
    const stored = await inAutopilot(ws, (sql) =>
      sql.db.select().from(skillRequests).where(eq(skillRequests.approvalId, configured.id)).get(),
    );
    expect(stored!.change).toMatch(/^sealed:/);
    expect(JSON.stringify(stored)).not.toContain(API_KEY);
    expect(JSON.stringify(stored)).not.toContain("room-skill-secret");
    expect(await inAutopilot(ws, (sql) => skillRequest(sql, configured.id, roomSkillSecrets("another")))).toBeNull();
    // A read: no bridge here, so the gateway cannot be asked (the answer says so).
    expect(codeOf(await viewer.call("instances.skills", { instanceId: "lab" }))).toBe("unavailable");
    const audit = await o.ok("audit.list", {});
    expect(audit.entries.some((e) => e.targetId === configured.id)).toBe(true);

    for (const s of [o, viewer, g, asking, older]) expect(JSON.stringify(s.frames)).not.toContain(API_KEY);
    for (const s of [o, viewer, g, asking, older]) s.close();
  });
});
