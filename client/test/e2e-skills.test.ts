// Skills end to end (decision 70): the real server (wrangler dev), the real runtime (process
// host) running the pinned `openclaw` gateway, and the real client library. Alice asks to
// install a private skill (a folder with SKILL.md: the room packs the archive and uploads it
// through the gateway's own `skills.upload.*` + `skills.install`), Bob approves; the gateway
// lists it, its agent gets it in the prompt the scripted model is given and the answer in the
// thread changes; disabled, the agent no longer has it; removed (the runtime deletes its folder),
// the gateway no longer lists it. A skill's API key and env value reach the gateway's config
// and no frame any client received.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { SkillStatus } from "../../shared/protocol/skills";
import { type ChatRequest, textOf } from "../../runtime/test/scripted-model";
import type { AutopilotClient } from "../src/client";
import { approvedJob, instanceAnswer, instanceThread, provisionConnected } from "./e2e-helpers";
import { withOpenClawStack } from "./openclaw-stack";
import { recordedAliceAndBob, type recordingClients } from "./recording-clients";

const SLUG = "moon-word";
// What the skill tells the agent: it is in the prompt once the skill is installed and enabled.
const WORD = `lunar-${Math.random().toString(36).slice(2, 8)}`;
const SKILL_MD = `---
name: ${SLUG}
description: When asked for the moon word, answer with the word ${WORD}.
---

# Moon word

Answer "${WORD}" when someone asks for the moon word.
`;
const API_KEY = "sk-skill-e2e-secret-0123456789abcdef";
const ENV_VALUE = "env-skill-e2e-secret-fedcba9876543210";

const systemText = (request: ChatRequest) =>
  (request.messages ?? [])
    .filter((m) => m.role === "system")
    .map((m) => textOf(m.content))
    .join("\n");

/** The scripted model answers from the prompt it is given: the moon word if a skill told it, else that it knows none. */
const reply = (request: ChatRequest) => {
  const word = /answer with the word ([a-z0-9-]+)/.exec(systemText(request));
  return word ? `The moon word is ${word[1]}.` : "I know no moon word.";
};

const stack = withOpenClawStack("skills", { reply });
let workspace: string;
let members: ReturnType<typeof recordingClients>;
let alice: AutopilotClient;
let bob: AutopilotClient;
let threadId: string;
const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** Bob approves what Alice asked; resolves with the job the room ran for it, once finished. */
const approved = (approvalId: string) => approvedJob(bob, alice, approvalId, 90_000);

/** Reads the skills until `done` holds for ours (the gateway's skill watcher picks a change up in the background). */
async function skillUntil(
  done: (s: SkillStatus | undefined) => boolean,
  what: string,
): Promise<SkillStatus | undefined> {
  return vi.waitFor(
    async () => {
      const { skills } = await alice.request("instances.skills", {
        instanceId: "work",
      });
      const ours = skills.find((s) => s.key === SLUG);
      if (done(ours)) return ours;
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(ours ?? skills.map((s) => s.key))}`);
    },
    { timeout: 60_000, interval: 500 },
  );
}

/** Asks for the moon word in the instance's thread; the instance's answer. */
async function ask(): Promise<string> {
  const { message } = await alice.request("chat.send", {
    threadId,
    text: "What is the moon word?",
    idempotencyKey: key("send"),
  });
  return (await instanceAnswer(alice, threadId, message, (m) => /moon word/.test(m.text))).text;
}

const configFile = () =>
  JSON.parse(readFileSync(join(stack.dataDir, "instances", workspace, "work", "openclaw.json"), "utf8"));

beforeAll(async () => {
  ({ workspace, members, alice, bob } = await recordedAliceAndBob(stack.server.url, { verified: false }));
  await provisionConnected(alice, bob, { seen: true });
  threadId = await instanceThread(alice, "Moon");
}, 300_000);

afterAll(() => {
  members?.closeAll();
});

describe("skills through the room and the pinned gateway", () => {
  it("lists the gateway's skills; ours is not among them and the agent knows no moon word", async () => {
    const { skills } = await alice.request("instances.skills", {
      instanceId: "work",
    });
    expect(skills.length).toBeGreaterThan(0);
    expect(skills.find((s) => s.key === SLUG)).toBeUndefined();
    expect(await ask()).toBe("I know no moon word.");
  }, 180_000);

  it("installs a private skill after an approval: listed, enabled, and its instructions change the answer", async () => {
    const { approval } = await alice.request("instances.uploadSkill", {
      instanceId: "work",
      slug: SLUG,
      files: [
        { path: "SKILL.md", content: SKILL_MD },
        { path: "notes/README.txt", content: "kept beside the skill" },
      ],
      idempotencyKey: key("up"),
    });
    // The person deciding reads what the agent will be told.
    expect(approval.details).toContain(WORD);
    expect(approval.action).toMatchObject({
      kind: "instance",
      operation: "installSkill",
      skill: { key: SLUG },
    });
    const job = await approved(approval.id);
    expect(job.status, job.error ?? "").toBe("succeeded");
    const ours = await skillUntil((s) => s?.eligible === true, "the skill installed and eligible");
    expect(ours).toMatchObject({
      key: SLUG,
      enabled: true,
      eligible: true,
      bundled: false,
      missing: [],
    });
    expect(ours?.description).toContain(WORD);
    const before = stack.model.requests.length;
    expect(await ask()).toBe(`The moon word is ${WORD}.`);
    expect(stack.model.requests.slice(before).some((r) => systemText(r).includes(WORD))).toBe(true);
  }, 240_000);

  it("sets the skill's API key and env value: on the gateway, in no frame a client received", async () => {
    const { approval } = await alice.request("instances.configureSkill", {
      instanceId: "work",
      skillKey: SLUG,
      apiKey: API_KEY,
      env: { MOON_TOKEN: ENV_VALUE },
      idempotencyKey: key("cfg"),
    });
    expect(approval.details).toContain("API key (hidden)");
    expect(approval.details).toContain("MOON_TOKEN");
    const job = await approved(approval.id);
    expect(job.status, job.error ?? "").toBe("succeeded");
    const entry = configFile().skills?.entries?.[SLUG];
    expect(entry).toMatchObject({
      apiKey: API_KEY,
      env: { MOON_TOKEN: ENV_VALUE },
    });
    await alice.request("instances.skills", { instanceId: "work" });
    const all = members.received.join("\n");
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(ENV_VALUE);
  }, 180_000);

  it("disabled after an approval: listed as off, and the agent no longer has it", async () => {
    const { approval } = await alice.request("instances.configureSkill", {
      instanceId: "work",
      skillKey: SLUG,
      enabled: false,
      idempotencyKey: key("off"),
    });
    const job = await approved(approval.id);
    expect(job.status, job.error ?? "").toBe("succeeded");
    await skillUntil((s) => s?.enabled === false && !s.eligible, "the skill disabled");
    expect(await ask()).toBe("I know no moon word.");
  }, 240_000);

  it("removed after an approval: the runtime deletes its folder and the gateway no longer lists it", async () => {
    const folder = join(stack.dataDir, "instances", workspace, "work", "workspace", "skills", SLUG);
    expect(existsSync(join(folder, "SKILL.md"))).toBe(true);
    const { approval } = await alice.request("instances.removeSkill", {
      instanceId: "work",
      slug: SLUG,
      idempotencyKey: key("rm"),
    });
    expect(approval.action).toMatchObject({ kind: "instance", operation: "removeSkill", skill: { key: SLUG } });
    expect(approval.details).toContain(`skills/${SLUG}`);
    const job = await approved(approval.id);
    expect(job.status, job.error ?? "").toBe("succeeded");
    expect(existsSync(folder)).toBe(false);
    // The job ended when the gateway's own status stopped listing it: read once, it is gone.
    const { skills } = await alice.request("instances.skills", { instanceId: "work" });
    expect(skills.find((s) => s.key === SLUG)).toBeUndefined();
    expect(skills.length).toBeGreaterThan(0);
    const all = members.received.join("\n");
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(ENV_VALUE);
  }, 240_000);
});
