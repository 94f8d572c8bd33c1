// An approved skill change runs as a job, on the instance's gateway through its bridge (hosted
// or linked alike). The stored request is dropped whatever happens: applied, failed, denied or
// expired; a failed one is asked for again. A gateway's error may quote what it was sent, so a
// key or env value is cut out of any text that leaves this file.
import type { Approval } from "../../../../../shared/protocol/approvals";
import { SKILL_OPERATIONS } from "../../../../../shared/protocol/instances";
import type { ChannelOperationDeps } from "../gateway-channels";
import { redactedText } from "../gateway-channels";
import { gatewayNotConnected, type RuntimeClient } from "../instance-store";
import { failRoomJob, finishRoomJob, startJob } from "../jobs/index";
import {
  configureSkill,
  installFromClawHub,
  installUploadedSkill,
  type SkillChange,
  waitUntilSkillGone,
} from "./gateway";
import { dropSkillRequest, skillRequest } from "./requests";

/**
 * What a skill change needs of the room: what a channel change does (the instances' operations
 * give it), and the runtime, which removes a hosted instance's skill folder.
 */
export type SkillOperationDeps = ChannelOperationDeps & {
  runtime?: RuntimeClient | null;
};

/** Whether an instance approval is a skill change (party/rooms/autopilot/features/gateway-skills/). */
export function isSkillApproval(approval: Approval): boolean {
  return approval.action?.kind === "instance" && SKILL_OPERATIONS.has(approval.action.operation);
}

/** A secret as a URL or JSON in an error may carry it: as is, percent-encoded, JSON-escaped. */
function escapedForms(value: string): string[] {
  const once = encodeURIComponent(value);
  return [...new Set([value, once, once.toLowerCase(), JSON.stringify(value).slice(1, -1)])];
}

/** `text` with every secret of the change replaced (by value, escaped too), then any other token shape, cut at `max`. */
export function withoutSkillSecrets(text: string, change: SkillChange | null, max = 2000): string {
  let out = text;
  const values = [change?.apiKey, ...Object.values(change?.env ?? {})].filter(
    (value): value is string => typeof value === "string" && value.length > 0,
  );
  for (const value of values) for (const form of escapedForms(value)) out = out.split(form).join("[hidden]");
  return redactedText(out, max);
}

const changeLine = (key: string, change: SkillChange): string => {
  const parts = [
    ...(change.enabled === true ? ["enabled"] : []),
    ...(change.enabled === false ? ["disabled"] : []),
    ...(change.apiKey !== undefined ? ["API key set"] : []),
    ...(change.env ? [`env ${Object.keys(change.env).join(", ")} set`] : []),
  ];
  return `skill ${key}: ${parts.join("; ")}`;
};

/** A decided skill approval: an approved one runs; any other just drops what it held. */
export async function settleSkillApproval(deps: SkillOperationDeps, approval: Approval): Promise<void> {
  const action = approval.action;
  if (action?.kind !== "instance") return;
  if (approval.status !== "approved") {
    dropSkillRequest(deps.sql, approval.id);
    return;
  }
  const request = skillRequest(deps.sql, approval.id);
  dropSkillRequest(deps.sql, approval.id);
  const jobId = deps.commit(
    null,
    (ctx) =>
      startJob(ctx, {
        title: approval.title,
        message: "approved",
        idempotencyKey: `room-op-${approval.id}`,
      }).job.id,
  );
  try {
    if (!request) throw new Error("the skill request is gone");
    const gateway = deps.gateway?.(request.instanceId)?.channels;
    if (!gateway) throw gatewayNotConnected({ id: request.instanceId });
    let message: string;
    switch (action.operation) {
      case "installSkill":
        if (request.clawhub) {
          await installFromClawHub(gateway, request.clawhub, request.force);
          message = `skill ${request.skillKey} installed from ClawHub (${request.clawhub.ref})`;
          break;
        }
        if (!request.files) throw new Error("the request holds no files");
        await installUploadedSkill(gateway, request.skillKey, request.files, request.force);
        message = `skill ${request.skillKey} installed`;
        break;
      case "removeSkill": {
        if (!deps.runtime) throw new Error("no OpenClaw runtime is configured: its skills cannot be removed here");
        const { removed } = await deps.runtime.removeSkill(deps.workspaceId, request.instanceId, request.skillKey);
        if (!removed) throw new Error(`the instance has no skill folder skills/${request.skillKey}`);
        if (!(await waitUntilSkillGone(gateway, request.skillKey)))
          throw new Error(`the folder skills/${request.skillKey} is gone, but the gateway still lists the skill`);
        message = `skill ${request.skillKey} removed`;
        break;
      }
      case "configureSkill":
        if (!request.change) throw new Error("the request holds no change");
        await configureSkill(gateway, request.skillKey, request.change);
        message = changeLine(request.skillKey, request.change);
        break;
      default:
        return;
    }
    deps.commit(null, (ctx) => finishRoomJob(ctx, jobId, message.slice(0, 2000)));
  } catch (error) {
    const message = withoutSkillSecrets(
      error instanceof Error ? error.message : String(error),
      request?.change ?? null,
    );
    console.error(
      JSON.stringify({
        msg: "skill operation failed",
        workspace: deps.workspaceId,
        instanceId: action.instanceId,
        operation: action.operation,
        error: message,
      }),
    );
    deps.commit(null, (ctx) => failRoomJob(ctx, jobId, message));
  }
}
