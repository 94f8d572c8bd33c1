// The skill methods through the room's socket: who may ask, what every client receives (a
// skill's key or env value in no frame to anyone, not the asker's own answer, not the audit
// log), the approval's action only to sockets that asked for capability `instances.skills`
// (an older version's socket is checked strictly against its recorded schemas by the
// harness), and the stored request gone after a denial. The gateway side is in
// skills.room.test.ts (scripted gateway) and the e2e tests against the pinned gateway.
import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import { OLDEST_PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { seedInstance } from "../../../../test/bridge-peer";
import { idem, inAutopilot, openTeam, RawSocket } from "../../../../test/harness";
import { skillRequest } from "./requests";

const codeOf = (res: { ok: true } | { ok: false; error: { code: string } }): string | null =>
  res.ok ? null : res.error.code;

const API_KEY = "sk-room-skill-secret-0123456789abcdef";
const SKILL_MD = "---\nname: moon-word\ndescription: Answer with the moon word.\n---\n\nSay lunar.\n";

const requested = (sock: RawSocket, approvalId: string) =>
  sock
    .waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        f.event === "approval.requested" &&
        (f.payload as { approval: Approval }).approval.id === approvalId,
    )
    .then((f) => (f.payload as { approval: Approval }).approval);

describe("skill methods in the room", () => {
  it("a viewer may not ask; an agent asks to install and toggle but hands over no key; no key in any frame; the action only to sockets that asked", async () => {
    const { ws, owner, ownerSocket: o, secondSocket: viewer, agentSocket: g } = await openTeam("viewer");
    await inAutopilot(ws, (sql) =>
      seedInstance(sql, { id: "lab", name: "Lab", kind: "hosted", bridge: "offline", bridgeError: null }),
    );
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
    expect((await requested(asking, approval.id)).action).toMatchObject({ operation: "installSkill" });
    const plain = await requested(o, approval.id);
    expect(plain).not.toHaveProperty("action");
    expect(plain.summary).toBe(approval.summary);
    expect(await requested(older, approval.id)).not.toHaveProperty("action");
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
    const denied = (
      await o.ok("approvals.resolve", { approvalId: approval.id, decision: "deny", idempotencyKey: idem() })
    ).approval;
    expect(denied.status).toBe("denied");
    await g.waitFor(
      (f) => f.event === "approval.resolved" && (f.payload as { approval: Approval }).approval.id === approval.id,
    );
    expect(await inAutopilot(ws, (sql) => skillRequest(sql, approval.id))).toBeNull();

    // A key is a person's to hand over.
    const key = { instanceId: "lab", skillKey: "moon-word", apiKey: API_KEY };
    expect(await g.call("instances.configureSkill", { ...key, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: expect.stringMatching(/a person sets/) },
    });
    const configured = (await o.ok("instances.configureSkill", { ...key, idempotencyKey: idem() })).approval;
    expect(configured.details).toContain("API key (hidden)");
    await requested(older, configured.id);
    expect(await inAutopilot(ws, (sql) => skillRequest(sql, configured.id)?.change?.apiKey)).toBe(API_KEY);
    // A read: no bridge here, so the gateway cannot be asked (the answer says so).
    expect(codeOf(await viewer.call("instances.skills", { instanceId: "lab" }))).toBe("unavailable");
    const audit = await o.ok("audit.list", {});
    expect(audit.entries.some((e) => e.targetId === configured.id)).toBe(true);

    for (const s of [o, viewer, g, asking, older]) expect(JSON.stringify(s.frames)).not.toContain(API_KEY);
    for (const s of [o, viewer, g, asking, older]) s.close();
  });
});
