// `instances.skills`: an instance's skills as its gateway reports them now (read scope). The
// answer is built from a few fields of `skills.status` per skill (gateway.ts): never a key, an
// env value or the skill's config itself.
import type { z } from "zod";
import type { InstancesSkillsResult } from "../../../../../shared/protocol/skills";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { type GatewayCaller, redactedText } from "../gateway-channels";
import { gatewayNotConnected, requireInstance } from "../instance-store";
import { readSkills } from "./gateway";

export interface SkillsDeps {
  sql: Sql;
  bridge: { connected: boolean; readonly channels: GatewayCaller } | undefined;
}

export async function instanceSkills(
  deps: SkillsDeps,
  instanceId: string,
): Promise<z.output<typeof InstancesSkillsResult>> {
  const instance = requireInstance(deps.sql, instanceId);
  if (!deps.bridge?.connected) throw gatewayNotConnected(instance);
  try {
    return { skills: await readSkills(deps.bridge.channels) };
  } catch (error) {
    if (error instanceof RoomError) throw error;
    throw new RoomError(
      "unavailable",
      `the gateway did not list its skills: ${redactedText(error instanceof Error ? error.message : String(error), 500)}`,
      { instanceId },
    );
  }
}
