// An approved skill change runs as a job (instance-store's held requests), on the instance's
// gateway through its bridge (hosted or linked alike). A gateway's error may quote what it was
// sent, so a key or env value is cut out of any text that leaves this file.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { ChannelOperationDeps } from "../gateway-channels";
import { redactedText } from "../gateway-channels";
import { gatewayNotConnected, getInstance, type RuntimeClient, settleHeld } from "../instance-store";
import {
  configureSkill,
  installFromClawHub,
  installUploadedSkill,
  type SkillChange,
  waitUntilSkillGone,
} from "./gateway";
import { skillReader, skillSecrets } from "./requests";

/**
 * What a skill change needs of the room: what a channel change does (the instances' operations
 * give it), and the runtime, which removes a hosted instance's skill folder.
 */
export type SkillOperationDeps = ChannelOperationDeps & {
  runtime?: RuntimeClient | null;
};

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
export function settleSkillApproval(deps: SkillOperationDeps, approval: Approval): Promise<void> {
  return settleHeld(deps, approval, skillReader(skillSecrets(deps.sealingSecret, deps.workspaceId)), {
    scrub: (text, request) => withoutSkillSecrets(text, request?.change ?? null),
    run: async (request, operation) => {
      const gateway = deps.gateway?.(request.instanceId)?.channels;
      if (!gateway)
        throw gatewayNotConnected({ id: request.instanceId, sleep: getInstance(deps.sql, request.instanceId)?.sleep });
      switch (operation) {
        case "installSkill":
          if (request.clawhub) {
            await installFromClawHub(gateway, request.clawhub, request.force);
            return `skill ${request.skillKey} installed from ClawHub (${request.clawhub.ref})`;
          }
          if (!request.files) throw new Error("the request holds no files");
          await installUploadedSkill(gateway, request.skillKey, request.files, request.force);
          return `skill ${request.skillKey} installed`;
        case "removeSkill": {
          if (!deps.runtime) throw new Error("no OpenClaw runtime is configured: its skills cannot be removed here");
          const { removed } = await deps.runtime.removeSkill(deps.workspaceId, request.instanceId, request.skillKey);
          if (!removed) throw new Error(`the instance has no skill folder skills/${request.skillKey}`);
          if (!(await waitUntilSkillGone(gateway, request.skillKey)))
            throw new Error(`the folder skills/${request.skillKey} is gone, but the gateway still lists the skill`);
          return `skill ${request.skillKey} removed`;
        }
        case "configureSkill":
          if (!request.change) throw new Error("the request holds no change");
          await configureSkill(gateway, request.skillKey, request.change);
          return changeLine(request.skillKey, request.change);
        default:
          throw new Error(`${operation} is not a skill operation`);
      }
    },
  });
}
