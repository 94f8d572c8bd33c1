// An OpenClaw instance's skills (capability `instances.skills`, decision 70): read through the
// gateway's `skills.status`, changed through its own methods. Every change is an instance
// approval; what a change sets (a skill's files, its API key or env values) waits in the room
// and never comes back out: the read says only whether a skill has a key, never the key.
import { z } from "zod";
import { mutatingParams } from "./common";
import { MAX_CLIENT_FRAME_BYTES } from "./frames";
import { APPROVAL_ACTIONS, approvalActionCapability, withoutActionsOf } from "./approval-actions";
import { InstanceId, type InstanceOperation, SKILL_OPERATIONS } from "./instances";

/** A skill's key as the gateway names it (`skills.entries.<key>`): its folder's or its metadata's name. */
export const SkillKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '.', '-' and '_', 1-64 characters");

/** The folder an uploaded skill is installed in (`skills/<slug>` of the agent's workspace). */
export const SkillSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "lower-case letters, digits and '-', 1-64 characters");

export const InstancesSkillsParams = z.object({ instanceId: InstanceId });

/** One skill as the gateway reports it (never a key or env value: only whether one is set). */
export const SkillStatus = z.object({
  key: z.string().max(64),
  name: z.string().max(100),
  description: z.string().max(500),
  /** Where it comes from: `openclaw-bundled`, `openclaw-workspace` (uploaded or written there), … */
  source: z.string().max(64),
  bundled: z.boolean(),
  /** Off in the gateway's config (`skills.entries.<key>.enabled: false`). */
  enabled: z.boolean(),
  /** Enabled and its requirements met: the agent may use it. */
  eligible: z.boolean(),
  /** What it still needs, in words (a program, an environment variable, a config key, another OS). */
  missing: z.array(z.string().max(200)).max(50),
  /** The environment variable its API key fills, when it takes one. */
  primaryEnv: z.string().max(100).nullable(),
});
export type SkillStatus = z.infer<typeof SkillStatus>;

export const InstancesSkillsResult = z.object({
  skills: z.array(SkillStatus).max(500),
});

/**
 * Bounds of an uploaded skill: its files, and their contents as sent (UTF-8 text, or base64),
 * which travel in one request: a client's frame is at most MAX_CLIENT_FRAME_BYTES (frames.ts),
 * and the rest of the request needs room too.
 */
export const MAX_SKILL_FILES = 64;
export const MAX_SKILL_BYTES = MAX_CLIENT_FRAME_BYTES - 8 * 1024;

/** A path inside the skill's folder: relative, `/`-separated, no `..`, no hidden or empty parts. */
export const SkillFilePath = z
  .string()
  .max(200)
  .regex(
    /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}\/){0,7}[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/,
    "a relative path in the folder",
  );

export const SkillFile = z.object({
  path: SkillFilePath,
  /** The file's text (UTF-8), or its bytes as base64 when `base64` is true. */
  content: z.string().max(MAX_SKILL_BYTES),
  base64: z.boolean().default(false),
});

/** Asks to install a private skill: the folder's files (a `SKILL.md` at its root); the room packs the archive. */
export const InstancesUploadSkillParams = mutatingParams({
  instanceId: InstanceId,
  slug: SkillSlug,
  files: z.array(SkillFile).min(1).max(MAX_SKILL_FILES),
  /** Replace a skill already installed under this slug. */
  force: z.boolean().default(false),
});

/** An environment variable's name as a skill's config takes it. */
export const SkillEnvName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,99}$/, "an environment variable's name");
const SecretValue = z.string().min(1).max(4000);

/** Asks to change a skill's config: enable or disable it, set its API key or env values (kept hidden). */
export const InstancesConfigureSkillParams = mutatingParams({
  instanceId: InstanceId,
  skillKey: SkillKey,
  enabled: z.boolean().optional(),
  apiKey: SecretValue.optional(),
  env: z.record(SkillEnvName, SecretValue).optional(),
});

/** Asks to remove a skill installed in the agent's workspace (`skills/<slug>`): hosted instances (the runtime deletes the folder). */
export const InstancesRemoveSkillParams = mutatingParams({
  instanceId: InstanceId,
  slug: SkillSlug,
});

/**
 * A skill on ClawHub as the gateway names it for `skills.install`: a slug, or a source-qualified
 * reference (`owner/slug`, `clawhub:owner/slug`) when several publishers share one slug.
 */
export const ClawHubRef = z
  .string()
  .regex(
    /^[A-Za-z0-9@][A-Za-z0-9@_.:/-]{0,199}$/,
    "a ClawHub skill reference: letters, digits, '@', '.', ':', '/', '-' and '_'",
  );

/** Searches ClawHub, the skills registry, through the instance's gateway (it needs the internet). */
export const InstancesSearchSkillsParams = z.object({
  instanceId: InstanceId,
  query: z.string().trim().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(50).default(20),
});

/** One ClawHub result, bounded; its words are the publisher's (render as text). */
export const ClawHubSkill = z.object({
  /** What `instances.installSkill` takes as `ref`. */
  ref: z.string().max(200),
  slug: z.string().max(100),
  name: z.string().max(100),
  summary: z.string().max(500),
  owner: z.string().max(100).nullable(),
  version: z.string().max(64).nullable(),
  /** ClawHub has not scanned the source it resolves this from. */
  unscanned: z.boolean(),
});
export type ClawHubSkill = z.infer<typeof ClawHubSkill>;

export const InstancesSearchSkillsResult = z.object({
  results: z.array(ClawHubSkill).max(50),
});

/** Asks to install a skill from ClawHub (the gateway downloads it into `skills/<slug>`). */
export const InstancesInstallSkillParams = mutatingParams({
  instanceId: InstanceId,
  ref: ClawHubRef,
  version: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/, "a version")
    .optional(),
  /** Replace a skill already installed under this slug. */
  force: z.boolean().default(false),
});

/** The folder a ClawHub reference installs into: its last part. */
export const clawHubSlugOf = (ref: string): string => ref.split(/[/:]/).pop() ?? ref;

/** The bytes of `text` in UTF-8 (shared code runs where TextEncoder may not be typed). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** What is wrong with a skill request beyond its shape, or null (kept out of the schemas, which tools derive inputs from). */
export function skillRequestProblem(
  p:
    | { files: { path: string; content: string; base64?: boolean }[] }
    | { enabled?: boolean; apiKey?: string; env?: Record<string, string> },
): string | null {
  if ("files" in p) {
    const paths = p.files.map((f) => f.path);
    if (!paths.includes("SKILL.md")) return "a skill's folder needs a SKILL.md at its root";
    if (new Set(paths).size !== paths.length) return "a file is listed twice";
    let total = 0;
    for (const file of p.files) {
      if (file.base64 && !/^[A-Za-z0-9+/]*={0,2}$/.test(file.content)) return `${file.path} is not base64`;
      total += utf8Length(file.content);
    }
    if (total > MAX_SKILL_BYTES)
      return `the skill's files are larger than ${MAX_SKILL_BYTES / 1024} KiB as sent (base64 counts as sent)`;
    return null;
  }
  const env = Object.keys(p.env ?? {});
  if (p.enabled === undefined && p.apiKey === undefined && env.length === 0)
    return "nothing to change: give enabled, an API key or env values";
  if (env.length > 20) return "at most 20 env values at once";
  return null;
}

/** `value` with every skill approval's action left out, however deep (its title and summary still say what it does). */
export const withoutSkillActions: (value: unknown) => unknown = withoutActionsOf(SKILL_OPERATIONS);

/** The operation capability `instances.skills.remove` adds. */
const REMOVAL: ReadonlySet<InstanceOperation> = new Set(["removeSkill"]);
/** `value` with every skill removal's action left out (an approval a socket without `instances.skills.remove` can read). */
export const withoutSkillRemovals: (value: unknown) => unknown = withoutActionsOf(REMOVAL);

/**
 * Capability `instances.skills` (decision 70): an approval's action may be a skill operation
 * (`installSkill`, `configureSkill`, with the skill's key). A socket that did not ask gets
 * such an approval without its action: a plain approval it can still read and decide.
 */
export function skillsCapability() {
  return approvalActionCapability({
    name: "instances.skills",
    since: 19,
    summary: "an OpenClaw instance's skills: skill operations as an approval's action",
    adds: APPROVAL_ACTIONS,
    convert: withoutSkillActions,
  });
}

/**
 * Capability `instances.skills.remove`: an approval's action may be a skill's removal
 * (`removeSkill`, an operation older clients do not know). A socket that did not ask gets such
 * an approval without its action.
 */
export function skillRemovalCapability() {
  return approvalActionCapability({
    name: "instances.skills.remove",
    since: 19,
    summary: "removing an OpenClaw instance's skill: removeSkill as an approval's operation",
    // The action as a whole is new in 19 and claimed by `instances.skills`, so the lock sees no
    // narrower change in it to name: the method that files such approvals is what this adds.
    // The conversions are for the clients of 19 that asked for `instances.skills` before
    // removeSkill existed (their enum lacks it).
    adds: ["methods.instances.removeSkill"],
    convert: withoutSkillRemovals,
  });
}
