// Skill changes asked for in the room (decision 70): each files an instance approval; what it
// will apply waits in `skill_requests` until a person decides. An uploaded skill's files and a
// configure's API key or env values are in that row only: never in the approval (its details
// name the files and show SKILL.md, which the person decides on; a key is "hidden"), an event,
// the audit log, a job or a log line; the row goes when the operation ran or the approval was
// denied or expired.
import { eq } from "drizzle-orm";
import type { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { type InstanceOperation, SKILL_OPERATIONS } from "../../../../../shared/protocol/instances";
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
import { pendingInstanceApprovals, requestApproval } from "../approvals/index";
import { INSTANCE_APPROVAL_TTL_MS, refuseBusy, requireInstance } from "../instance-store";
import type { ArchiveFile } from "./archive";
import type { SkillChange } from "./gateway";
import { skillRequests } from "./tables";

/** How much of SKILL.md the approval shows: what the agent will be told is what a person decides on. */
const SHOWN_SKILL_MD = 4000;

/** What an approved skill operation applies, read back from the room. */
export interface SkillRequest {
  instanceId: string;
  skillKey: string;
  files: ArchiveFile[] | null;
  force: boolean;
  change: SkillChange | null;
  /** A ClawHub install: what the gateway downloads. */
  clawhub: ClawHubSource | null;
}

/** A skill on ClawHub as `skills.install` takes it; kept in the row's `change` column, under `clawhub`. */
export interface ClawHubSource {
  ref: string;
  version?: string;
}

/** One pending change per skill: a second would race the first on the gateway. */
function refusePending(sql: Sql, instanceId: string, skillKey: string): void {
  const pending = pendingSkillApprovals(sql, instanceId).find(
    ({ action }) => action?.kind === "instance" && action.skill?.key === skillKey,
  );
  if (pending)
    throw new RoomError(
      "conflict",
      `a change of the skill ${skillKey} on ${instanceId} is already waiting for approval`,
      {
        instanceId,
        approvalId: pending.id,
      },
    );
}

function file(
  ctx: OpContext,
  operation: InstanceOperation,
  p: { instanceId: string; skillKey: string; idempotencyKey: string },
  title: string,
  details: string,
  row: {
    files?: { path: string; content: string; base64: boolean }[];
    force?: boolean;
    change?: SkillChange | { clawhub: ClawHubSource };
  },
): { approval: Approval } {
  const instance = requireInstance(ctx.sql, p.instanceId);
  refuseBusy(instance);
  refusePending(ctx.sql, p.instanceId, p.skillKey);
  const result = requestApproval(
    ctx,
    {
      title: `${title} on OpenClaw instance "${instance.name}"`.slice(0, 200),
      details,
      risk: "high",
      idempotencyKey: p.idempotencyKey,
    },
    {
      kind: "instance",
      operation,
      instanceId: p.instanceId,
      name: instance.name,
      skill: { key: p.skillKey },
    },
    INSTANCE_APPROVAL_TTL_MS,
  );
  ctx.sql.db
    .insert(skillRequests)
    .values({
      approvalId: result.approval.id,
      instanceId: p.instanceId,
      skillKey: p.skillKey,
      files: row.files ? JSON.stringify(row.files) : null,
      force: row.force ?? false,
      change: row.change ? JSON.stringify(row.change) : null,
      createdAt: ctx.now,
    })
    .run();
  return result;
}

const sizeOf = (f: { content: string; base64: boolean }) =>
  f.base64 ? Math.floor((f.content.length * 3) / 4) : new TextEncoder().encode(f.content).length;

export function requestUploadSkill(
  ctx: OpContext,
  p: z.output<typeof InstancesUploadSkillParams>,
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
  return file(ctx, "installSkill", { ...p, skillKey: p.slug }, `Install the skill "${p.slug}"`, details, {
    files: p.files,
    force: p.force,
  });
}

export function requestConfigureSkill(
  ctx: OpContext,
  p: z.output<typeof InstancesConfigureSkillParams>,
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
  return file(ctx, "configureSkill", p, `${verb} the skill "${p.skillKey}"`, details, {
    change: {
      ...(p.enabled !== undefined ? { enabled: p.enabled } : {}),
      ...(p.apiKey !== undefined ? { apiKey: p.apiKey } : {}),
      ...(p.env !== undefined ? { env: p.env } : {}),
    },
  });
}

export function requestRemoveSkill(
  ctx: OpContext,
  p: z.output<typeof InstancesRemoveSkillParams>,
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
  return file(ctx, "removeSkill", { ...p, skillKey: p.slug }, `Remove the skill "${p.slug}"`, details, {});
}

export function requestInstallSkill(
  ctx: OpContext,
  p: z.output<typeof InstancesInstallSkillParams>,
): { approval: Approval } {
  const slug = clawHubSlugOf(p.ref);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(slug))
    throw new RoomError("bad_request", "the ClawHub reference does not end in a skill's slug");
  const details = [
    `Installs the skill "${p.ref}"${p.version ? ` version ${p.version}` : ""} from ClawHub, the public skills registry, into the instance's agent workspace (skills/${slug})${p.force ? ", replacing the one installed there" : ""}. Its agent reads the skill's instructions and may follow them in every session.`,
    "Its files are the publisher's: read it on ClawHub first (clawhub.ai). The gateway downloads it when this is approved.",
  ].join("\n\n");
  return file(ctx, "installSkill", { ...p, skillKey: slug }, `Install the skill "${slug}" from ClawHub`, details, {
    force: p.force,
    change: {
      clawhub: { ref: p.ref, ...(p.version ? { version: p.version } : {}) },
    },
  });
}

const fromBase64 = (value: string): Uint8Array => Uint8Array.from(atob(value), (c) => c.charCodeAt(0));

/** What an approved skill operation applies, or null when its request is gone. */
export function skillRequest(sql: Sql, approvalId: string): SkillRequest | null {
  const row = sql.db.select().from(skillRequests).where(eq(skillRequests.approvalId, approvalId)).get();
  if (!row) return null;
  const files = row.files
    ? (
        JSON.parse(row.files) as {
          path: string;
          content: string;
          base64: boolean;
        }[]
      ).map((f) => ({
        path: f.path,
        bytes: f.base64 ? fromBase64(f.content) : new TextEncoder().encode(f.content),
      }))
    : null;
  const stored = row.change ? (JSON.parse(row.change) as SkillChange | { clawhub: ClawHubSource }) : null;
  return {
    instanceId: row.instanceId,
    skillKey: row.skillKey,
    files,
    force: row.force,
    change: stored && !("clawhub" in stored) ? stored : null,
    clawhub: stored && "clawhub" in stored ? stored.clawhub : null,
  };
}

/** The request is done with (applied, failed, denied or expired): its files and secrets go with it. */
export function dropSkillRequest(sql: Sql, approvalId: string): void {
  sql.db.delete(skillRequests).where(eq(skillRequests.approvalId, approvalId)).run();
}

/** The skill changes of an instance still waiting for a decision (their approvals' actions say so). */
export function pendingSkillApprovals(sql: Sql, instanceId: string): Approval[] {
  return pendingInstanceApprovals(sql, instanceId, SKILL_OPERATIONS);
}

/** A deleted instance's pending skill changes go with it. */
export function dropSkillRequests(sql: Sql, instanceId: string): void {
  sql.db.delete(skillRequests).where(eq(skillRequests.instanceId, instanceId)).run();
}
