// An instance's skills through its gateway's own methods (decision 70): `skills.status` to read,
// `skills.upload.begin/chunk/commit` + `skills.install` (upload mode) to install a private
// skill, `skills.install` (ClawHub mode) and `skills.search` for ClawHub's, `skills.update`
// (config mode) to enable, disable or configure one. Every answer is a
// remote value: validated leniently (the pinned gateway sends more than we read), bounded, and
// only the fields named here are taken: a skill's config holds secrets the gateway redacts,
// but the room never forwards it at all.
import { z } from "zod";
import type { ClawHubSkill, SkillStatus } from "../../../../../shared/protocol/skills";
import { cutText } from "../../../../../shared/clip";

import { type GatewayCaller, redactedTextField } from "../gateway-channels";
import { sha256Hex } from "../../../../auth/tokens";
import { type ArchiveFile, zipArchive } from "./archive";

const MAX_SKILLS = 500;
const MAX_MISSING = 50;
/** Bytes of the archive per `skills.upload.chunk` (base64 in one frame of the bridge's connection). */
const CHUNK_BYTES = 192 * 1024;
/** An install unpacks and scans the archive: longer than a plain call. */
const INSTALL_TIMEOUT_MS = 60_000;

/** The secrets and switches an approved configure applies; held in the room until then. */
export const SkillChange = z.object({
  enabled: z.boolean().optional(),
  apiKey: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
});
export type SkillChange = z.infer<typeof SkillChange>;

const text = redactedTextField;
const names = z
  .array(z.unknown())
  .max(200)
  .catch([])
  .default([])
  .transform((list) => list.filter((x): x is string => typeof x === "string").map((x) => cutText(x, 100)));
const Missing = z
  .looseObject({
    bins: names,
    anyBins: names,
    env: names,
    config: names,
    os: names,
  })
  .catch({ bins: [], anyBins: [], env: [], config: [], os: [] });
const Skill = z.looseObject({
  name: z.string().min(1).max(200),
  skillKey: z.string().min(1).max(200).optional().catch(undefined),
  description: text(2000),
  source: text(64),
  bundled: z.boolean().catch(false).default(false),
  disabled: z.boolean().catch(false).default(false),
  eligible: z.boolean().catch(false).default(false),
  primaryEnv: z.string().max(100).nullable().optional().catch(null),
  missing: Missing.optional(),
});
const Report = z.looseObject({ skills: z.array(z.unknown()).max(10_000) });

/** What a skill still needs, in words a person reads (the gateway's lists, each name quoted). */
export function missingInWords(missing: z.output<typeof Missing> | undefined): string[] {
  if (!missing) return [];
  const q = (name: string) => `“${name}”`;
  return [
    ...missing.bins.map((bin) => `the program ${q(bin)} on the gateway's machine`),
    ...(missing.anyBins.length > 0 ? [`one of the programs ${missing.anyBins.map(q).join(", ")}`] : []),
    ...missing.env.map((env) => `the environment variable ${q(env)} (set it as the skill's env or API key)`),
    ...missing.config.map((path) => `the gateway setting ${q(path)}`),
    ...(missing.os.length > 0 ? [`another operating system (${missing.os.map(q).join(", ")})`] : []),
  ]
    .slice(0, MAX_MISSING)
    .map((line) => cutText(line, 200));
}

function skillOf(raw: unknown): SkillStatus | null {
  const row = Skill.safeParse(raw);
  if (!row.success) return null;
  const s = row.data;
  return {
    key: cutText(s.skillKey ?? s.name, 64),
    name: cutText(s.name, 100),
    description: cutText(s.description ?? "", 500),
    source: cutText(s.source ?? "unknown", 64),
    bundled: s.bundled,
    enabled: !s.disabled,
    eligible: s.eligible,
    missing: missingInWords(s.missing),
    primaryEnv: s.primaryEnv && /^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(s.primaryEnv) ? s.primaryEnv : null,
  };
}

/** The default agent's skills as the gateway reports them now: bad rows are left out. */
export async function readSkills(gateway: GatewayCaller): Promise<SkillStatus[]> {
  const report = Report.safeParse(await gateway.request("skills.status", {}));
  if (!report.success) throw new Error("the gateway's skills answer is not readable");
  return report.data.skills
    .flatMap((raw) => {
      const skill = skillOf(raw);
      return skill ? [skill] : [];
    })
    .slice(0, MAX_SKILLS);
}

const UploadBegun = z.looseObject({ uploadId: z.string().min(1).max(500) });

const base64 = (bytes: Uint8Array): string => {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
};

/**
 * Installs a private skill: the folder packed as the gateway's archive, uploaded in chunks,
 * committed against its digest, then installed into the default agent's `skills/<slug>`.
 */
export async function installUploadedSkill(
  gateway: GatewayCaller,
  slug: string,
  files: readonly ArchiveFile[],
  force: boolean,
): Promise<void> {
  const archive = zipArchive(files);
  const sha256 = await sha256Hex(archive);
  const begun = UploadBegun.safeParse(
    await gateway.request("skills.upload.begin", {
      kind: "skill-archive",
      slug,
      sizeBytes: archive.length,
      sha256,
      ...(force ? { force: true } : {}),
    }),
  );
  if (!begun.success) throw new Error("the gateway's upload answer is not readable");
  const { uploadId } = begun.data;
  for (let offset = 0; offset < archive.length; offset += CHUNK_BYTES)
    await gateway.request("skills.upload.chunk", {
      uploadId,
      offset,
      dataBase64: base64(archive.subarray(offset, offset + CHUNK_BYTES)),
    });
  await gateway.request("skills.upload.commit", { uploadId, sha256 });
  await gateway.request(
    "skills.install",
    {
      source: "upload",
      uploadId,
      slug,
      sha256,
      ...(force ? { force: true } : {}),
      timeoutMs: INSTALL_TIMEOUT_MS,
    },
    INSTALL_TIMEOUT_MS + 5_000,
  );
}

/** How long a switched skill may take to read as switched in the gateway's own status. */
const SWITCH_SEEN_MS = 15_000;
const SWITCH_READ_EVERY_MS = 250;

/**
 * Enables, disables or configures a skill (`skills.entries.<key>` in the gateway's config). A
 * switch is done when the gateway's status says so: it writes its config and then reloads, so
 * a status read at once can still show the old state, and the change's job (which every view
 * reads again when it ends) would end before it.
 */
export async function configureSkill(gateway: GatewayCaller, skillKey: string, change: SkillChange): Promise<void> {
  await gateway.request("skills.update", {
    skillKey,
    ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
    ...(change.apiKey !== undefined ? { apiKey: change.apiKey } : {}),
    ...(change.env !== undefined ? { env: change.env } : {}),
  });
  if (change.enabled === undefined) return;
  const until = Date.now() + SWITCH_SEEN_MS;
  for (;;) {
    const skill = (await readSkills(gateway)).find((s) => s.key === skillKey);
    if (!skill || skill.enabled === change.enabled || Date.now() >= until) return;
    await new Promise((resolve) => setTimeout(resolve, SWITCH_READ_EVERY_MS));
  }
}

/**
 * Whether the gateway's status stops listing a skill whose folder the runtime deleted: it may
 * notice the folder is gone on a later read rather than at once, so a removal's job, which
 * every view reads again when it ends, waits for it (at most as long as a switch).
 */
export async function waitUntilSkillGone(gateway: GatewayCaller, skillKey: string): Promise<boolean> {
  const until = Date.now() + SWITCH_SEEN_MS;
  for (;;) {
    if (!(await readSkills(gateway)).some((s) => s.key === skillKey && s.source === "openclaw-workspace")) return true;
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, SWITCH_READ_EVERY_MS));
  }
}

/** Installs a skill from ClawHub (`skills.install` in ClawHub mode): the gateway downloads it. */
export async function installFromClawHub(
  gateway: GatewayCaller,
  source: { ref: string; version?: string },
  force: boolean,
): Promise<void> {
  await gateway.request(
    "skills.install",
    {
      source: "clawhub",
      slug: source.ref,
      ...(source.version ? { version: source.version } : {}),
      ...(force ? { force: true } : {}),
    },
    INSTALL_TIMEOUT_MS + 5_000,
  );
}

const MAX_RESULTS = 50;
/**
 * How long a search may take: the gateway asks ClawHub with no bound of its own, and on a
 * machine without the internet its lookup fails only after retries, longer than a person waits
 * (and than a client's request).
 */
const SEARCH_TIMEOUT_MS = 15_000;
const SearchResult = z.looseObject({
  slug: z.string().min(1).max(200),
  installRef: z.string().min(1).max(200).optional().catch(undefined),
  displayName: text(200),
  summary: text(2000),
  ownerHandle: z.string().max(200).nullable().optional().catch(null),
  version: z.string().max(64).nullable().optional().catch(null),
  trustState: z.unknown().optional(),
});
const SearchReport = z.looseObject({ results: z.array(z.unknown()).max(1000) });
const REF = /^[A-Za-z0-9@][A-Za-z0-9@_.:/-]{0,199}$/;

/** ClawHub's answer to a search, through the gateway (`skills.search`): a few fields per result, bounded. */
export async function searchClawHub(
  gateway: GatewayCaller,
  query: string | undefined,
  limit: number,
): Promise<ClawHubSkill[]> {
  const report = SearchReport.safeParse(
    await gateway.request(
      "skills.search",
      { ...(query ? { query } : {}), limit: Math.min(limit, MAX_RESULTS) },
      SEARCH_TIMEOUT_MS,
    ),
  );
  if (!report.success) throw new Error("the gateway's search answer is not readable");
  return report.data.results
    .flatMap((raw): ClawHubSkill[] => {
      const row = SearchResult.safeParse(raw);
      if (!row.success) return [];
      const r = row.data;
      const ref = r.installRef ?? r.slug;
      // Only what `skills.install` can be asked for again is offered.
      if (!REF.test(ref)) return [];
      return [
        {
          ref,
          slug: cutText(r.slug, 100),
          name: cutText(r.displayName ?? r.slug, 100),
          summary: cutText(r.summary ?? "", 500),
          owner: r.ownerHandle ? cutText(r.ownerHandle, 100) : null,
          version: r.version ? cutText(r.version, 64) : null,
          unscanned: r.trustState !== undefined,
        },
      ];
    })
    .slice(0, MAX_RESULTS);
}
