// `instances.skills`: an instance's skills as its gateway reports them now (read scope). The
// answer is built from a few fields of `skills.status` per skill (gateway.ts): never a key, an
// env value or the skill's config itself.
import type { z } from "zod";
import type { InstancesSearchSkillsResult, InstancesSkillsResult } from "../../../../../shared/protocol/skills";
import { RoomError } from "../../../../domain/errors";
import { type ChannelsDeps, readThroughGateway, redactedText } from "../gateway-channels";
import { gatewayNotConnected, requireInstance } from "../instance-store";
import { readSkills, searchClawHub } from "./gateway";

export const instanceSkills = (
  deps: ChannelsDeps,
  instanceId: string,
): Promise<z.output<typeof InstancesSkillsResult>> =>
  readThroughGateway(deps, instanceId, "skills", async (gateway) => ({ skills: await readSkills(gateway) }));

/**
 * Why the gateway could not search, in words a person reads (the app shows a message only
 * when it names no method or host): a failed lookup, no answer, or the gateway's own reason.
 */
function unreachableWhy(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(text))
    return "its gateway could not look up ClawHub's address (no internet, or no name lookup, on its machine)";
  if (/no answer from the gateway/.test(text))
    return "ClawHub did not answer through its gateway in time (its machine may not reach the internet)";
  // The gateway's words without the method and code it prefixes (`skills.search: UNAVAILABLE: …`).
  const reason = redactedText(text.replace(/^[\w.]+: [A-Z_]+: /, ""), 300);
  return `its gateway could not reach ClawHub (${reason})`;
}

/**
 * Unavailable, and not worth asking again at once: a gateway that cannot reach ClawHub will not
 * in the next seconds, and a client retrying each try (the lookup fails slowly) keeps a
 * person waiting for minutes instead of telling them.
 */
class ClawHubUnreachable extends RoomError {
  override toShape() {
    return { ...super.toShape(), retryable: false };
  }
}

/**
 * `instances.searchSkills`: ClawHub through the instance's gateway, which needs the internet for
 * it. When the gateway cannot reach ClawHub the answer says so in words: what failed (the
 * gateway's own words, token shapes cut) and what to do instead.
 */
export async function searchSkills(
  deps: ChannelsDeps,
  p: { instanceId: string; query?: string | undefined; limit: number },
): Promise<z.output<typeof InstancesSearchSkillsResult>> {
  const instance = requireInstance(deps.sql, p.instanceId);
  if (!deps.bridge?.connected) throw gatewayNotConnected(instance);
  try {
    return { results: await searchClawHub(deps.bridge.channels, p.query, p.limit) };
  } catch (error) {
    if (error instanceof RoomError) throw error;
    throw new ClawHubUnreachable(
      "unavailable",
      `ClawHub could not be searched from "${instance.name}": ${unreachableWhy(error)}. Searching and installing from ClawHub need the gateway's machine to reach ClawHub over the internet; until it can, add a skill by uploading its folder (a SKILL.md and its files).`,
      { instanceId: p.instanceId },
    );
  }
}
