// `instances.proposeConfig`: a change of an instance's gateway config, asked for in words
// (decision 75). The room reads the config's hash now (`config.get`), so the change is applied
// to the config the person decided on or not at all, and files an instance approval whose
// details show the summary and the patch; nothing is sent to the gateway before a person
// approves. A patch touches only the channels and their bindings (what the gateway keeps
// across restarts) and holds no secret (shared/protocol/instance-config.ts).
import type { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { configPatchProblem, type InstancesProposeConfigParams } from "../../../../../shared/protocol/instance-config";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import type { OpContext } from "../../kernel/commit";
import { requestApproval } from "../approvals/index";
import { type GatewayCaller, type GatewayReader, readGatewayConfig } from "../gateway-channels";
import { gatewayNotConnected, INSTANCE_APPROVAL_TTL_MS, requireInstance } from "../instance-store";

/** The hash of the gateway's config as it is now: what an approved patch is applied against. */
export async function configHash(gateway: GatewayCaller, instanceId: string): Promise<string> {
  return (await readGatewayConfig(gateway, instanceId)).hash;
}

/**
 * Files the approval a config change waits for (`baseHash` read from the gateway just before).
 * Proposed by the Autopilot's run, it names the run's thread (`threadId`): whoever decides can
 * open the conversation it was asked in, and the thread shows it waiting, then decided.
 */
export function requestConfigChange(
  ctx: OpContext,
  p: z.output<typeof InstancesProposeConfigParams>,
  baseHash: string,
  threadId?: string,
): { approval: Approval } {
  const instance = requireInstance(ctx.sql, p.instanceId);
  const patch = JSON.stringify(p.patch);
  return requestApproval(
    ctx,
    {
      ...(threadId ? { threadId } : {}),
      title: `Change the config of OpenClaw instance "${instance.name}": ${p.summary}`.slice(0, 200),
      details: `${p.summary}\n\nThe change, merged into the gateway's config (the gateway checks it):\n${JSON.stringify(p.patch, null, 2)}`,
      risk: "high",
    },
    {
      kind: "instance",
      operation: "patchConfig",
      instanceId: p.instanceId,
      name: instance.name,
      config: { patch, baseHash },
    },
    INSTANCE_APPROVAL_TTL_MS,
  );
}

/** Checks the patch and reads the hash, then files the approval (`file`: requestConfigChange in a commit). */
export async function proposeConfig(
  deps: { sql: Sql; bridge: GatewayReader | undefined },
  p: z.output<typeof InstancesProposeConfigParams>,
  file: (baseHash: string) => { approval: Approval },
): Promise<{ approval: Approval }> {
  const instance = requireInstance(deps.sql, p.instanceId);
  const problem = configPatchProblem(p.patch);
  if (problem) throw new RoomError("bad_request", problem, { instanceId: p.instanceId });
  if (!deps.bridge?.connected) throw gatewayNotConnected(instance);
  return file(await configHash(deps.bridge.channels, p.instanceId));
}
