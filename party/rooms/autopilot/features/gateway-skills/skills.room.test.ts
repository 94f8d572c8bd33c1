// An instance's skills (party/rooms/autopilot/features/gateway-skills/) against the scripted
// gateway: what the room reads of hostile answers (a few fields per skill, never a key or its
// config), what an approved change sends (the archive the gateway unpacks, the config entry),
// and that a skill's key or env value reaches the gateway and nothing else: not the approval,
// not an event, not the job, not an error; its stored row goes whatever the outcome.
import { describe, expect, it } from "vitest";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import {
  InstancesConfigureSkillParams,
  InstancesUploadSkillParams,
  MAX_SKILL_BYTES,
  skillRequestProblem,
} from "../../../../../shared/protocol/skills";
import { MAX_CLIENT_FRAME_BYTES } from "../../../../../shared/protocol/frames";
import { withoutSkillActions } from "../../../../../shared/protocol/skills";
import type { Sql } from "../../../../domain/sql";
import { createOpContext } from "../../kernel/commit";
import { asPerson, connectTo, inRoom, linkAndGateway, ok, refuse } from "../../../../test/bridge-peer";
import { idem } from "../../../../test/harness";
import { decide, linkDeps, testSkillSecrets } from "../../../../test/instance-ops";
import { getApproval } from "../approvals/approvals";
import type { BridgeLink } from "../gateway-bridge/bridge-link";
import { removeInstance } from "../instances/operations";
import { listJobs } from "../jobs/jobs";
import { sweepRoomTables } from "../retention/retention";
import { zipArchive } from "./archive";
import { readSkills } from "./gateway";
import { settleSkillApproval } from "./operations";
import { requestConfigureSkill, requestUploadSkill, skillRequest } from "./requests";

const API_KEY = "sk-skill-secret-0123456789abcdef";
const ENV_VALUE = "env/secret value+0123456789";
const SKILL_MD = "---\nname: moon-word\ndescription: Answer with the moon word.\n---\n\nSay lunar.\n";

const upload = (sql: Sql, extra: Record<string, unknown> = {}) =>
  asPerson(sql, (ctx) =>
    requestUploadSkill(
      ctx,
      InstancesUploadSkillParams.parse({
        instanceId: "inst",
        slug: "moon-word",
        files: [
          { path: "SKILL.md", content: SKILL_MD },
          {
            path: "bin/run.sh",
            content: btoa("#!/bin/sh\necho hi\n"),
            base64: true,
          },
        ],
        idempotencyKey: idem(),
        ...extra,
      }),
    ),
  );
const configure = (sql: Sql, extra: Record<string, unknown> = {}) =>
  asPerson(sql, (ctx) =>
    requestConfigureSkill(
      ctx,
      InstancesConfigureSkillParams.parse({
        instanceId: "inst",
        skillKey: "moon-word",
        apiKey: API_KEY,
        env: { MOON_TOKEN: ENV_VALUE },
        idempotencyKey: idem(),
        ...extra,
      }),
      testSkillSecrets,
    ),
  );
const gatewayOf = (link: BridgeLink) => ({
  request: (m: string, p?: Record<string, unknown>, t?: number) => link.open().request(m, p, t),
});

/** The entries of a stored zip: name and text, read back from its central directory. */
function unzipStored(bytes: Uint8Array): Record<string, string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 22;
  expect(view.getUint32(end, true)).toBe(0x06054b50);
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(at, true)).toBe(0x02014b50);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const localName = view.getUint16(local + 26, true);
    const data = local + 30 + localName + view.getUint16(local + 28, true);
    out[name] = new TextDecoder().decode(bytes.subarray(data, data + size));
    at += 46 + nameLength;
  }
  return out;
}

describe("skills through the scripted gateway", () => {
  it("reads a few fields per skill: keys and config never come back, missing requirements in words, bad rows left out", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("skills.status", () =>
        ok({
          workspaceDir: "/secret/path",
          skills: [
            {
              name: "weather",
              skillKey: "weather",
              description: `Forecasts. token ${"xoxb-1234567890-abcdefghij"}`,
              source: "openclaw-bundled",
              bundled: true,
              disabled: false,
              eligible: false,
              primaryEnv: "WEATHER_KEY",
              missing: {
                bins: ["curl"],
                anyBins: ["jq", "yq"],
                env: ["WEATHER_KEY"],
                config: [],
                os: ["darwin"],
              },
              configChecks: [{ path: "x", value: API_KEY }],
              config: { apiKey: API_KEY },
            },
            {
              name: "moon-word",
              disabled: true,
              eligible: "yes",
              missing: "nope",
              primaryEnv: "bad name;rm",
            },
            { nonsense: true },
            "junk",
          ],
        }),
      );
      link.connection = await connectTo(gw);
      const skills = await readSkills(gatewayOf(link));
      expect(JSON.stringify(skills)).not.toContain(API_KEY);
      expect(JSON.stringify(skills)).not.toContain("/secret/path");
      expect(skills).toEqual([
        {
          key: "weather",
          name: "weather",
          description: "Forecasts. token [hidden]",
          source: "openclaw-bundled",
          bundled: true,
          enabled: true,
          eligible: false,
          missing: [
            "the program “curl” on the gateway's machine",
            "one of the programs “jq”, “yq”",
            "the environment variable “WEATHER_KEY” (set it as the skill's env or API key)",
            "another operating system (“darwin”)",
          ],
          primaryEnv: "WEATHER_KEY",
        },
        {
          key: "moon-word",
          name: "moon-word",
          description: "",
          source: "unknown",
          bundled: false,
          enabled: false,
          eligible: false,
          missing: [],
          primaryEnv: null,
        },
      ]);
    });
  });

  it("an approved upload packs the folder as a zip, uploads it against its digest and installs it from the upload", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("skills.upload.begin", () => ok({ uploadId: "up-1" }));
      gw.on("skills.upload.chunk", () => ok({ ok: true }));
      gw.on("skills.upload.commit", () => ok({ ok: true }));
      gw.on("skills.install", () => ok({ ok: true }));
      link.connection = await connectTo(gw);
      const events: DurableEvent[] = [];
      const { approval } = upload(sql);
      expect(approval).toMatchObject({
        risk: "high",
        action: {
          kind: "instance",
          operation: "installSkill",
          instanceId: "inst",
          skill: { key: "moon-word" },
        },
      });
      // The person deciding reads the files and what the agent will be told.
      expect(approval.details).toContain("SKILL.md");
      expect(approval.details).toContain("Say lunar.");
      expect(approval.details).toContain("bin/run.sh");
      // One change per skill at a time.
      expect(() => upload(sql)).toThrow(/already waiting/);
      await settleSkillApproval(linkDeps(sql, link, events), decide(sql, approval.id, "approve"));
      const begun = gw.requests("skills.upload.begin")[0]!.params as Record<string, unknown>;
      expect(begun).toMatchObject({ kind: "skill-archive", slug: "moon-word" });
      const chunks = gw.requests("skills.upload.chunk").map((f) => f.params as { offset: number; dataBase64: string });
      const archive = Uint8Array.from(atob(chunks.map((c) => c.dataBase64).join("")), (c) => c.charCodeAt(0));
      expect(archive.length).toBe(begun.sizeBytes);
      expect(unzipStored(archive)).toEqual({
        "SKILL.md": SKILL_MD,
        "bin/run.sh": "#!/bin/sh\necho hi\n",
      });
      const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", archive))]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("");
      expect(begun.sha256).toBe(digest);
      expect(gw.requests("skills.upload.commit")[0]!.params).toEqual({
        uploadId: "up-1",
        sha256: digest,
      });
      expect(gw.requests("skills.install")[0]!.params).toMatchObject({
        source: "upload",
        uploadId: "up-1",
        slug: "moon-word",
        sha256: digest,
      });
      expect(skillRequest(sql, approval.id, testSkillSecrets)).toBeNull();
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === approval.title);
      expect(job).toMatchObject({
        status: "succeeded",
        message: "skill moon-word installed",
      });
    });
  });

  it("a configure names no key in its approval, keeps it server-side, and sends it once approved", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      // As the gateway does, its status follows a switch (the room waits until it reads as switched).
      let disabled = false;
      gw.on("skills.update", (params) => {
        if (typeof params.enabled === "boolean") disabled = !params.enabled;
        return ok({
          ok: true,
          skillKey: "moon-word",
          config: { apiKey: "__OPENCLAW_REDACTED__" },
        });
      });
      gw.on("skills.status", () =>
        ok({ skills: [{ name: "moon-word", skillKey: "moon-word", disabled, eligible: true, bundled: false }] }),
      );
      link.connection = await connectTo(gw);
      const events: DurableEvent[] = [];
      const { approval } = configure(sql);
      expect(approval.details).toContain("API key (hidden)");
      expect(approval.details).toContain("MOON_TOKEN");
      expect(JSON.stringify(approval)).not.toContain(API_KEY);
      expect(JSON.stringify(approval)).not.toContain(ENV_VALUE);
      expect(skillRequest(sql, approval.id, testSkillSecrets)?.change).toEqual({
        apiKey: API_KEY,
        env: { MOON_TOKEN: ENV_VALUE },
      });
      await settleSkillApproval(linkDeps(sql, link, events), decide(sql, approval.id, "approve"));
      expect(gw.requests("skills.update").map((f) => f.params)).toEqual([
        {
          skillKey: "moon-word",
          apiKey: API_KEY,
          env: { MOON_TOKEN: ENV_VALUE },
        },
      ]);
      expect(skillRequest(sql, approval.id, testSkillSecrets)).toBeNull();
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === approval.title);
      expect(job).toMatchObject({ status: "succeeded" });
      for (const secret of [API_KEY, ENV_VALUE]) {
        expect(JSON.stringify(events)).not.toContain(secret);
        expect(JSON.stringify(job)).not.toContain(secret);
        expect(JSON.stringify(getApproval(sql, approval.id))).not.toContain(secret);
      }
      // Enabling or disabling alone sends only that.
      const { approval: off } = configure(sql, {
        apiKey: undefined,
        env: undefined,
        enabled: false,
      });
      expect(off.title).toContain("Disable the skill");
      await settleSkillApproval(linkDeps(sql, link, events), decide(sql, off.id, "approve"));
      expect(gw.requests("skills.update")[1]!.params).toEqual({
        skillKey: "moon-word",
        enabled: false,
      });
      const offJob = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === off.title);
      expect(offJob).toMatchObject({ status: "succeeded" });
      expect(disabled).toBe(true);
    });
  });

  it("drops the key on a denial, and on a failed apply whose error quotes it (escaped too)", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("skills.update", (params) =>
        refuse(
          "INVALID_REQUEST",
          `bad entry ${JSON.stringify(params)} url=https://x/?k=${encodeURIComponent(ENV_VALUE)} xoxb-1234567890-abcdefghij`,
        ),
      );
      link.connection = await connectTo(gw);
      const events: DurableEvent[] = [];
      const denied = configure(sql).approval;
      await settleSkillApproval(linkDeps(sql, link, events), decide(sql, denied.id, "deny"));
      expect(skillRequest(sql, denied.id, testSkillSecrets)).toBeNull();
      expect(gw.requests("skills.update")).toEqual([]);
      const { approval } = configure(sql);
      await settleSkillApproval(linkDeps(sql, link, events), decide(sql, approval.id, "approve"));
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === approval.title);
      expect(job?.status).toBe("failed");
      expect(job?.error).toContain("[hidden]");
      for (const secret of [API_KEY, ENV_VALUE, encodeURIComponent(ENV_VALUE), "xoxb-1234567890-abcdefghij"]) {
        expect(JSON.stringify(job)).not.toContain(secret);
        expect(JSON.stringify(events)).not.toContain(secret);
      }
      expect(skillRequest(sql, approval.id, testSkillSecrets)).toBeNull();
    });
  });

  it("refuses what is wrong before filing: no SKILL.md, a path out of the folder, too large, nothing to change, a key from an agent", async () => {
    await inRoom(async (sql) => {
      linkAndGateway(sql);
      expect(() => upload(sql, { files: [{ path: "README.md", content: "x" }] })).toThrow(/SKILL\.md/);
      for (const path of ["../SKILL.md", "/etc/passwd", ".hidden/x", "a//b"])
        expect(
          InstancesUploadSkillParams.safeParse({
            instanceId: "inst",
            slug: "s",
            files: [{ path, content: "x" }],
            idempotencyKey: idem(),
          }).success,
          path,
        ).toBe(false);
      // The files travel in one request, which a client's frame bounds.
      const files = (content: string) => [
        { path: "SKILL.md", content: "x" },
        { path: "data.bin", content, base64: true },
      ];
      expect(skillRequestProblem({ files: files("A".repeat(MAX_SKILL_BYTES - 1)) })).toBeNull();
      expect(skillRequestProblem({ files: files("A".repeat(MAX_SKILL_BYTES)) })).toMatch(/larger than 56 KiB as sent/);
      const atBound = InstancesUploadSkillParams.parse({
        instanceId: "inst",
        slug: "moon-word",
        files: files("A".repeat(MAX_SKILL_BYTES - 1)),
        idempotencyKey: idem(),
      });
      const frame = JSON.stringify({ type: "req", id: "r1", method: "instances.uploadSkill", params: atBound });
      expect(new TextEncoder().encode(frame).length).toBeLessThanOrEqual(MAX_CLIENT_FRAME_BYTES);
      expect(
        skillRequestProblem({
          files: [{ path: "SKILL.md", content: "!!", base64: true }],
        }),
      ).toMatch(/not base64/);
      expect(() => configure(sql, { apiKey: undefined, env: undefined })).toThrow(/nothing to change/);
      const { ctx } = createOpContext(
        sql,
        {
          id: "agent_k",
          kind: "agent",
          name: "Bot",
          scopes: ["read", "write"],
        },
        Date.now(),
      );
      const asAgent = (extra: Record<string, unknown>) =>
        sql.transaction(() =>
          requestConfigureSkill(
            ctx,
            InstancesConfigureSkillParams.parse({
              instanceId: "inst",
              skillKey: "moon-word",
              idempotencyKey: idem(),
              ...extra,
            }),
            testSkillSecrets,
          ),
        );
      expect(() => asAgent({ apiKey: API_KEY })).toThrow(/a person sets/);
      // An agent may ask to turn a skill on or off: a person still decides.
      expect(asAgent({ enabled: true }).approval.status).toBe("pending");
    });
  });

  it("a deleted instance's pending skill changes expire and their rows go; the sweep drops a decided one left behind", async () => {
    await inRoom(async (sql) => {
      linkAndGateway(sql);
      const { approval } = configure(sql);
      asPerson(sql, (ctx) => removeInstance(ctx, "inst"));
      expect(getApproval(sql, approval.id)?.status).toBe("expired");
      expect(skillRequest(sql, approval.id, testSkillSecrets)).toBeNull();
    });
    await inRoom(async (sql) => {
      linkAndGateway(sql);
      const { approval } = configure(sql);
      // Decided, but the room was evicted before the request was dropped.
      decide(sql, approval.id, "deny");
      const waiting = upload(sql).approval;
      sweepRoomTables(sql, Date.now(), 1000);
      expect(skillRequest(sql, approval.id, testSkillSecrets)).not.toBeNull();
      sweepRoomTables(sql, Date.now() + 2 * 60 * 60 * 1000, 1000);
      expect(skillRequest(sql, approval.id, testSkillSecrets)).toBeNull();
      expect(skillRequest(sql, waiting.id, testSkillSecrets)).not.toBeNull();
    });
  });

  it("a socket that did not ask for the capability gets a skill approval without its action; others are untouched", async () => {
    await inRoom(async (sql) => {
      linkAndGateway(sql);
      const { approval } = configure(sql, {
        apiKey: undefined,
        env: undefined,
        enabled: true,
      });
      const converted = withoutSkillActions({ approvals: [approval] }) as {
        approvals: Record<string, unknown>[];
      };
      expect(converted.approvals[0]).not.toHaveProperty("action");
      expect(converted.approvals[0]).toMatchObject({
        id: approval.id,
        title: approval.title,
        summary: approval.summary,
      });
      const other = {
        ...approval,
        action: { kind: "instance", operation: "restart", instanceId: "inst" },
      };
      expect(withoutSkillActions(other)).toEqual(other);
      expect(zipArchive([]).length).toBe(22);
    });
  });
});
