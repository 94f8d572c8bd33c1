// Skill changes asked for in the room (decision 70): each files an instance approval; what it
// will apply waits in `skill_requests` until a person decides (instance-store's held requests).
// An uploaded skill's files and a configure's API key or env values are in that row only: the
// approval's details name the files and show SKILL.md, which the person decides on; a key is
// "hidden". A configure's change is sealed at rest (skillSecrets), as waiting channel tokens are.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { syncSealer } from "../../../../auth/seal";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { SKILL_OPERATIONS } from "../../../../../shared/protocol/instances";
import {
  clawHubSlugOf,
  type InstancesConfigureSkillParams,
  type InstancesInstallSkillParams,
  type InstancesRemoveSkillParams,
  type InstancesUploadSkillParams,
  skillRequestProblem,
} from "../../../../../shared/protocol/skills";
import { isPerson } from "../../../../auth/current-access";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import type { OpContext } from "../../kernel/commit";
import { askedIn, type HeldReader, heldJson, heldRequests, requireInstance } from "../instance-store";
import type { ArchiveFile } from "./archive";
import { SkillChange } from "./gateway";
import { skillRequests } from "./tables";

/** How much of SKILL.md the approval shows: what the agent will be told is what a person decides on. */
const SHOWN_SKILL_MD = 4000;

/** A file of an uploaded skill as it is held: its text, or its bytes in base64. */
const HeldFile = z.object({ path: z.string(), content: z.string(), base64: z.boolean() });

const fromBase64 = (value: string): Uint8Array => Uint8Array.from(atob(value), (c) => c.charCodeAt(0));

/** What an approved skill operation applies, read back from the room. */
/** A skill on ClawHub as `skills.install` takes it; kept in the row's `change` column, under `clawhub`. */
const ClawHubSource = z.object({ ref: z.string(), version: z.string().optional() });
export type ClawHubSource = z.infer<typeof ClawHubSource>;

/**
 * What the row's `change` column holds: a configure's change, or a ClawHub install's source
 * under `clawhub` (tried first: a configure's change has no `clawhub`, and its schema would
 * read `{ clawhub }` as an empty change).
 */
const HeldChange = z.union([z.object({ clawhub: ClawHubSource }), SkillChange]);

const SkillRequest = z
  .object({
    instanceId: z.string(),
    skillKey: z.string(),
    files: heldJson(z.array(HeldFile))
      .transform((files): ArchiveFile[] =>
        files.map((f) => ({
          path: f.path,
          bytes: f.base64 ? fromBase64(f.content) : new TextEncoder().encode(f.content),
        })),
      )
      .nullable(),
    force: z.boolean(),
    change: heldJson(HeldChange).nullable(),
  })
  .transform(({ change, ...row }) => ({
    ...row,
    change: change && !("clawhub" in change) ? change : null,
    /** A ClawHub install: what the gateway downloads. */
    clawhub: change && "clawhub" in change ? change.clawhub : null,
  }));
/** What an approved skill operation applies, read back from the room. */
export type SkillRequest = z.output<typeof SkillRequest>;

/** A sealed change is stored with this mark; one without it is JSON from before changes were sealed. */
const SEALED = "sealed:";

/** Whose change it is: the skill of an instance a request is for (one waits per skill). */
type ChangeOwner = { instanceId: string; skillKey: string };

/** A configure's change at rest (an API key, env values): sealed in the request's transaction, opened only to apply it. */
export interface SkillSecrets {
  seal(request: ChangeOwner, change: string): string;
  /** The change's JSON, or null when it does not open (the request then reads as gone). */
  open(request: ChangeOwner, stored: string): string | null;
}

/**
 * Sealed under the Worker's BETTER_AUTH_SECRET with their own purpose (party/auth/seal.ts, its
 * synchronous form: the request's transaction cannot wait), bound to the workspace, the
 * instance and the skill.
 */
export function skillSecrets(secret: string, workspaceId: string): SkillSecrets {
  const sealing = () => syncSealer(secret, "skill-request-change");
  const boundTo = (r: ChangeOwner) => `${workspaceId}\n${r.instanceId}\n${r.skillKey}\nskill request change`;
  return {
    seal: (request, change) => `${SEALED}${sealing().seal(new TextEncoder().encode(change), boundTo(request))}`,
    open: (request, stored) => {
      if (!stored.startsWith(SEALED)) return stored;
      try {
        return new TextDecoder().decode(sealing().open(stored.slice(SEALED.length), boundTo(request)));
      } catch {
        return null;
      }
    },
  };
}

/** Seals the changes of requests written before changes were sealed (run at the room's start). */
export function sealPlainSkillChanges(sql: Sql, secrets: SkillSecrets): void {
  for (const row of sql.db.select().from(skillRequests).all()) {
    if (row.change === null || row.change.startsWith(SEALED)) continue;
    sql.db
      .update(skillRequests)
      .set({ change: secrets.seal(row, row.change) })
      .where(eq(skillRequests.approvalId, row.approvalId))
      .run();
  }
}

/** The skills' held requests (`skill_requests`), as stored (a change still sealed reads as gone: see skillReader). */
export const heldSkillRequests = heldRequests(skillRequests, {
  kind: "skill",
  operations: SKILL_OPERATIONS,
  row: SkillRequest,
  target: ({ skillKey }) => ({ skill: { key: skillKey } }),
  what: ({ skillKey }) => `the skill ${skillKey}`,
});

/** The skills' held requests as settling reads them: a row's change opened first. */
export function skillReader(secrets: SkillSecrets): HeldReader<SkillRequest> {
  return {
    ...heldSkillRequests,
    read(sql, approvalId) {
      const stored = sql.db.select().from(skillRequests).where(eq(skillRequests.approvalId, approvalId)).get();
      if (!stored) return null;
      const change = stored.change === null ? null : secrets.open(stored, stored.change);
      if (stored.change !== null && change === null) return null;
      const parsed = SkillRequest.safeParse({ ...stored, change });
      return parsed.success ? parsed.data : null;
    },
  };
}

const sizeOf = (f: { content: string; base64: boolean }) =>
  f.base64 ? Math.floor((f.content.length * 3) / 4) : new TextEncoder().encode(f.content).length;

export function requestUploadSkill(
  ctx: OpContext,
  p: z.output<typeof InstancesUploadSkillParams>,
  req?: { threadId?: string },
): { approval: Approval } {
  const problem = skillRequestProblem(p);
  if (problem) throw new RoomError("bad_request", problem);
  const skillMd = p.files.find((f) => f.path === "SKILL.md")!;
  const shown = skillMd.base64 ? "(sent as bytes)" : skillMd.content.slice(0, SHOWN_SKILL_MD);
  const list = p.files.map((f) => `- ${f.path} (${sizeOf(f)} bytes)`).join("\n");
  const details = [
    `Installs the private skill "${p.slug}" into the instance's agent workspace (skills/${p.slug})${p.force ? ", replacing the one installed there" : ""}. Its agent reads the skill's instructions and may follow them in every session.`,
    `Files:\n${list}`,
    `SKILL.md${skillMd.content.length > SHOWN_SKILL_MD && !skillMd.base64 ? " (its beginning)" : ""}:\n${shown}`,
  ].join("\n\n");
  return heldSkillRequests.file(
    ctx,
    {
      operation: "installSkill",
      idempotencyKey: p.idempotencyKey,
      title: `Install the skill "${p.slug}"`,
      details,
      ...askedIn(req),
    },
    { instanceId: p.instanceId, skillKey: p.slug, files: JSON.stringify(p.files), force: p.force },
  );
}

export function requestConfigureSkill(
  ctx: OpContext,
  p: z.output<typeof InstancesConfigureSkillParams>,
  secrets: SkillSecrets,
  req?: { threadId?: string },
): { approval: Approval } {
  const problem = skillRequestProblem(p);
  if (problem) throw new RoomError("bad_request", problem);
  const env = Object.keys(p.env ?? {});
  // A key or env value is a secret someone hands over (the approver sees only its name): a person's, never an agent key's.
  if ((p.apiKey !== undefined || env.length > 0) && !isPerson(ctx.actor))
    throw new RoomError(
      "forbidden",
      "a person sets a skill's API key or env values: ask a workspace member to set them in the app",
    );
  const lines = [
    ...(p.enabled === true ? ["Enables the skill: its agent may use it again."] : []),
    ...(p.enabled === false ? ["Disables the skill: its agent no longer sees it."] : []),
    ...(p.apiKey !== undefined ? ["Sets its API key (hidden)."] : []),
    ...(env.length > 0 ? [`Sets its env values ${env.join(", ")} (hidden).`] : []),
  ];
  const verb = p.enabled === true ? "Enable" : p.enabled === false ? "Disable" : "Configure";
  const details = `${lines.join("\n")}\nUntil you decide, a key or value given is kept by the room only; it is removed when this is denied or expires.`;
  const change: SkillChange = {
    ...(p.enabled !== undefined ? { enabled: p.enabled } : {}),
    ...(p.apiKey !== undefined ? { apiKey: p.apiKey } : {}),
    ...(p.env !== undefined ? { env: p.env } : {}),
  };
  return heldSkillRequests.file(
    ctx,
    {
      operation: "configureSkill",
      idempotencyKey: p.idempotencyKey,
      title: `${verb} the skill "${p.skillKey}"`,
      details,
      ...askedIn(req),
    },
    {
      instanceId: p.instanceId,
      skillKey: p.skillKey,
      change: secrets.seal({ instanceId: p.instanceId, skillKey: p.skillKey }, JSON.stringify(change)),
    },
  );
}

export function requestRemoveSkill(
  ctx: OpContext,
  p: z.output<typeof InstancesRemoveSkillParams>,
  req?: { threadId?: string },
): { approval: Approval } {
  const instance = requireInstance(ctx.sql, p.instanceId);
  // A linked gateway's workspace is on its owner's machine: nothing here can delete a folder there.
  if (instance.kind === "linked")
    throw new RoomError(
      "bad_request",
      `"${instance.name}" runs on its owner's machine: remove the skill there (delete the folder skills/${p.slug} in its agent workspace, by default ~/.openclaw/workspace/skills/${p.slug}); its gateway no longer lists it at its next skills read. Or disable it here.`,
      { instanceId: p.instanceId },
    );
  const details = [
    `Deletes the folder skills/${p.slug} from the instance's agent workspace: its files are gone (a backup taken before keeps them) and its agent no longer sees the skill.`,
    "Its settings in the gateway's config (enabled, a key) stay until they are changed.",
  ].join("\n");
  return heldSkillRequests.file(
    ctx,
    {
      operation: "removeSkill",
      idempotencyKey: p.idempotencyKey,
      title: `Remove the skill "${p.slug}"`,
      details,
      ...askedIn(req),
    },
    { instanceId: p.instanceId, skillKey: p.slug },
  );
}

export function requestInstallSkill(
  ctx: OpContext,
  p: z.output<typeof InstancesInstallSkillParams>,
  req?: { threadId?: string },
): { approval: Approval } {
  const slug = clawHubSlugOf(p.ref);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(slug))
    throw new RoomError("bad_request", "the ClawHub reference does not end in a skill's slug");
  const details = [
    `Installs the skill "${p.ref}"${p.version ? ` version ${p.version}` : ""} from ClawHub, the public skills registry, into the instance's agent workspace (skills/${slug})${p.force ? ", replacing the one installed there" : ""}. Its agent reads the skill's instructions and may follow them in every session.`,
    "Its files are the publisher's: read it on ClawHub first (clawhub.ai). The gateway downloads it when this is approved.",
  ].join("\n\n");
  const clawhub: ClawHubSource = { ref: p.ref, ...(p.version ? { version: p.version } : {}) };
  return heldSkillRequests.file(
    ctx,
    {
      operation: "installSkill",
      idempotencyKey: p.idempotencyKey,
      title: `Install the skill "${slug}" from ClawHub`,
      details,
      ...askedIn(req),
    },
    { instanceId: p.instanceId, skillKey: slug, force: p.force, change: JSON.stringify({ clawhub }) },
  );
}

/** What an approved skill operation applies (its change opened), or null when its request is gone. */
export const skillRequest = (sql: Sql, approvalId: string, secrets: SkillSecrets): SkillRequest | null =>
  skillReader(secrets).read(sql, approvalId);

/** A deleted instance's pending skill changes go with it. */
export const dropSkillRequests = (sql: Sql, instanceId: string): void => heldSkillRequests.dropAll(sql, instanceId);
