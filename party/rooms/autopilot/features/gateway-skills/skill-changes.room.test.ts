// Removing a skill and ClawHub (party/rooms/autopilot/features/gateway-skills/) against the
// scripted gateway: a removal is an approval, run by the runtime (a hosted instance's folder)
// and done when the gateway's status no longer lists the skill; a linked gateway's owner is told
// how to remove it on their machine; a ClawHub install is an approval the gateway then runs in
// ClawHub mode; a search the gateway cannot make (no internet) says so in words. The runtime's
// own removal is in client/test/e2e-channels-skills.test.ts, against the real runtime and gateway.
import { describe, expect, it } from "vitest";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import {
  InstancesInstallSkillParams,
  InstancesRemoveSkillParams,
  InstancesSearchSkillsParams,
  withoutSkillRemovals,
  withoutSkillActions,
} from "../../../../../shared/protocol/skills";
import { errorWords } from "../../../../../shared/plain-words";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { listAudit } from "../../kernel/commit";
import { asPerson, connectTo, inRoom, linkAndGateway, ok, refuse, seedInstance } from "../../../../test/bridge-peer";
import { idem } from "../../../../test/harness";
import { decide, gatewayOver, operationDeps, testSkillSecrets } from "../../../../test/instance-ops";
import type { BridgeLink } from "../gateway-bridge/bridge-link";
import type { RuntimeClient } from "../instance-store";
import { listJobs } from "../jobs/jobs";
import { settleSkillApproval } from "./operations";
import { requestInstallSkill, requestRemoveSkill, skillRequest } from "./requests";
import { searchSkills } from "./status";

/** The runtime's answer to a removal, as its route gives it (the route itself runs in the e2e test). */
const runtimeRemoving = (removed: boolean, calls: string[]) =>
  ({
    removeSkill: async (_ws: string, id: string, slug: string) => {
      calls.push(`${id}/${slug}`);
      return { slug, removed };
    },
  }) as unknown as RuntimeClient;

const deps = (sql: Sql, link: BridgeLink | null, events: DurableEvent[], runtime: RuntimeClient | null = null) => ({
  ...operationDeps(sql, events, { gateway: gatewayOver(link) }),
  runtime,
});
const remove = (sql: Sql, instanceId = "inst") =>
  asPerson(sql, (ctx) =>
    requestRemoveSkill(
      ctx,
      InstancesRemoveSkillParams.parse({
        instanceId,
        slug: "moon-word",
        idempotencyKey: idem(),
      }),
    ),
  );
const jobOf = (sql: Sql, title: string) =>
  listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === title);
const skill = (name: string) => ({
  name,
  skillKey: name,
  source: "openclaw-workspace",
  description: "",
  eligible: true,
});

describe("removing a skill", () => {
  it("is an approval; once approved the runtime removes the folder and the job ends when the gateway no longer lists it", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      let listed = true;
      gw.on("skills.status", () =>
        ok({
          skills: listed ? [skill("moon-word"), skill("sun-word")] : [skill("sun-word")],
        }),
      );
      link.connection = await connectTo(gw);
      const { approval } = remove(sql);
      expect(approval).toMatchObject({
        status: "pending",
        risk: "high",
        title: 'Remove the skill "moon-word" on OpenClaw instance "Work"',
        action: {
          kind: "instance",
          operation: "removeSkill",
          instanceId: "inst",
          skill: { key: "moon-word" },
        },
      });
      expect(approval.details).toContain("skills/moon-word");
      expect(() => remove(sql)).toThrow(/already waiting/);
      const calls: string[] = [];
      const runtime = {
        removeSkill: async (_ws: string, id: string, slug: string) => {
          calls.push(`${id}/${slug}`);
          listed = false;
          return { slug, removed: true };
        },
      } as unknown as RuntimeClient;
      await settleSkillApproval(deps(sql, link, [], runtime), decide(sql, approval.id, "approve"));
      expect(calls).toEqual(["inst/moon-word"]);
      expect(jobOf(sql, approval.title)).toMatchObject({
        status: "succeeded",
        message: "skill moon-word removed",
      });
      expect(skillRequest(sql, approval.id, testSkillSecrets)).toBeNull();
      // Asked and decided once, both in the audit log.
      const audited = listAudit(sql, undefined, 50).entries.filter((e) => e.targetId === approval.id);
      expect(audited.map((e) => e.action).sort()).toEqual(["approval.approved", "approval.requested"]);
    });
  });

  it("fails in words when there is no such folder, or when the gateway still lists the skill", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("skills.status", () => ok({ skills: [skill("moon-word")] }));
      link.connection = await connectTo(gw);
      const calls: string[] = [];
      const first = remove(sql).approval;
      await settleSkillApproval(deps(sql, link, [], runtimeRemoving(false, calls)), decide(sql, first.id, "approve"));
      expect(jobOf(sql, first.title)).toMatchObject({
        status: "failed",
        error: "the instance has no skill folder skills/moon-word",
      });
      // Without a runtime (none configured) nothing is removed, and the job says why.
      const second = remove(sql).approval;
      await settleSkillApproval(deps(sql, link, [], null), decide(sql, second.id, "approve"));
      expect(jobOf(sql, second.title)).toMatchObject({ status: "failed" });
      expect(jobOf(sql, second.title)?.error).toContain("no OpenClaw runtime is configured");
    });
  });

  it("a linked gateway's owner is told how to remove it on their machine; nothing is filed", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql, {
        id: "mine",
        name: "Home",
        kind: "linked",
        url: "wss://home.example",
      } as never);
      let error: unknown;
      try {
        remove(sql, "mine");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RoomError);
      expect((error as RoomError).code).toBe("bad_request");
      expect((error as RoomError).message).toContain("runs on its owner's machine");
      expect((error as RoomError).message).toContain("~/.openclaw/workspace/skills/moon-word");
    });
  });

  it("a socket that did not ask for instances.skills.remove gets the approval without its action; other skill approvals keep theirs", () => {
    const approval = {
      id: "apr_1",
      status: "pending",
      risk: "high",
      requestedBy: { id: "u", kind: "user", name: "Ada" },
      action: {
        kind: "instance",
        operation: "removeSkill",
        instanceId: "inst",
        skill: { key: "moon-word" },
      },
    };
    const install = {
      ...approval,
      id: "apr_2",
      action: { ...approval.action, operation: "installSkill" },
    };
    const converted = withoutSkillRemovals({
      approvals: [approval, install],
    }) as { approvals: Record<string, unknown>[] };
    expect(converted.approvals[0]).not.toHaveProperty("action");
    expect(converted.approvals[1]).toHaveProperty("action");
    // A socket that asked for neither: no skill action at all.
    const older = withoutSkillActions({ approvals: [approval, install] }) as {
      approvals: Record<string, unknown>[];
    };
    expect(older.approvals.filter((a) => "action" in a)).toEqual([]);
  });
});

describe("ClawHub", () => {
  it("an install from ClawHub is an approval naming the skill and where it comes from; approved, the gateway installs it in ClawHub mode", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("skills.install", () => ok({ ok: true }));
      link.connection = await connectTo(gw);
      const { approval } = asPerson(sql, (ctx) =>
        requestInstallSkill(
          ctx,
          InstancesInstallSkillParams.parse({
            instanceId: "inst",
            ref: "steipete/weather-now",
            version: "1.2.0",
            idempotencyKey: idem(),
          }),
        ),
      );
      expect(approval).toMatchObject({
        title: 'Install the skill "weather-now" from ClawHub on OpenClaw instance "Work"',
        action: { operation: "installSkill", skill: { key: "weather-now" } },
      });
      expect(approval.details).toContain("steipete/weather-now");
      expect(approval.details).toContain("ClawHub");
      await settleSkillApproval(deps(sql, link, []), decide(sql, approval.id, "approve"));
      expect(gw.requests("skills.install")[0]!.params).toEqual({
        source: "clawhub",
        slug: "steipete/weather-now",
        version: "1.2.0",
      });
      expect(jobOf(sql, approval.title)).toMatchObject({ status: "succeeded" });
    });
  });

  it("search results are bounded and validated; a gateway that cannot reach ClawHub is said in words (what failed, what to do)", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      let online = true;
      gw.on("skills.search", () =>
        online
          ? ok({
              results: [
                {
                  score: 1,
                  slug: "weather-now",
                  installRef: "steipete/weather-now",
                  registry: "clawhub",
                  displayName: "Weather now",
                  summary: `Forecasts. ${"x".repeat(3000)}`,
                  version: "1.2.0",
                },
                {
                  score: 0.5,
                  slug: "bad ref; rm -rf /",
                  registry: "clawhub",
                  displayName: "Bad",
                },
                "not a result",
              ],
            })
          : refuse("UNAVAILABLE", "fetch failed: getaddrinfo ENOTFOUND clawhub.ai"),
      );
      link.connection = await connectTo(gw);
      const bridge = {
        connected: true,
        channels: {
          request: (m: string, p?: Record<string, unknown>) => link.open().request(m, p),
        },
      };
      const found = await searchSkills(
        { sql, bridge },
        InstancesSearchSkillsParams.parse({
          instanceId: "inst",
          query: "weather",
        }),
      );
      expect(found.results).toHaveLength(1);
      expect(found.results[0]).toMatchObject({
        ref: "steipete/weather-now",
        name: "Weather now",
        version: "1.2.0",
      });
      expect(found.results[0]!.summary.length).toBeLessThanOrEqual(500);
      expect(gw.requests("skills.search")[0]!.params).toEqual({
        query: "weather",
        limit: 20,
      });
      online = false;
      const offline = await searchSkills(
        { sql, bridge },
        InstancesSearchSkillsParams.parse({ instanceId: "inst" }),
      ).catch((e: unknown) => e);
      expect(offline).toBeInstanceOf(RoomError);
      expect((offline as RoomError).code).toBe("unavailable");
      expect((offline as RoomError).message).toContain('ClawHub could not be searched from "Work"');
      expect((offline as RoomError).message).toContain("could not look up ClawHub's address");
      // The app shows a message only when it names no method or host: this one it shows as is.
      expect(errorWords("unavailable", (offline as RoomError).message)).toBe((offline as RoomError).message);
      expect((offline as RoomError).message).toContain("upload");
      // Not retried by a client: the gateway will not reach ClawHub in the next seconds either.
      expect((offline as RoomError).toShape()).toMatchObject({ code: "unavailable", retryable: false });
    });
  });
});
