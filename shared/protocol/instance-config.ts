// A change of an OpenClaw instance's own config, proposed in words and decided by a person
// (capability `instances.config`, decision 75): `instances.proposeConfig` files an instance
// approval holding the patch and the hash of the config it was read against; once approved
// the room applies it through the gateway's `config.patch` with that hash, so the gateway
// validates it and refuses it if the config changed meanwhile. Only what the gateway keeps
// across the runtime's restarts may be patched (its channels and their bindings), and no
// secret: a patch is shown to whoever decides it.
import { z } from "zod";
import { APPROVAL_ACTIONS, approvalActionCapability, withoutActionsOf } from "./approval-actions";
import { mutatingParams } from "./common";
import { CONFIG_OPERATIONS, InstanceId } from "./instances";

/** The patch as JSON text is at most this long. */
export const MAX_CONFIG_PATCH_CHARS = 8_000;
/** The config's top-level keys a patch may touch: what the gateway keeps across restarts, secrets aside. */
export const PATCHABLE_CONFIG_KEYS = ["channels", "bindings"] as const;
/** A key that holds a secret (a token, a key, a password) is never in a patch: people set those in the app. */
const SECRET_KEY = /token|secret|password|apikey|api_key|credential|private/i;

export const InstancesProposeConfigParams = mutatingParams({
  instanceId: InstanceId,
  /** What it changes, in words a person reads first (e.g. "only my family may message it on WhatsApp"). */
  summary: z.string().trim().min(1).max(500),
  /** The change as a partial config (merged by the gateway), e.g. `{channels: {whatsapp: {dmPolicy: "allowlist", allowFrom: ["+15551234567"]}}}`. */
  patch: z.record(z.string(), z.unknown()),
});

/** What is wrong with a patch beyond its shape, or null (kept out of the schema, which tools derive inputs from). */
export function configPatchProblem(patch: Record<string, unknown>): string | null {
  const keys = Object.keys(patch);
  if (keys.length === 0) return "the patch changes nothing";
  const other = keys.find((key) => !(PATCHABLE_CONFIG_KEYS as readonly string[]).includes(key));
  if (other !== undefined)
    return `a patch may change only ${PATCHABLE_CONFIG_KEYS.join(" and ")} (what the gateway keeps), not "${other.slice(0, 64)}"`;
  if (JSON.stringify(patch).length > MAX_CONFIG_PATCH_CHARS)
    return `the patch is longer than ${MAX_CONFIG_PATCH_CHARS} characters as JSON`;
  const secret = (value: unknown, depth: number): string | null => {
    if (depth > 12) return "the patch is nested too deep";
    if (Array.isArray(value)) {
      for (const item of value) {
        const found = secret(item, depth + 1);
        if (found) return found;
      }
      return null;
    }
    if (value === null || typeof value !== "object") return null;
    for (const [key, inner] of Object.entries(value)) {
      if (SECRET_KEY.test(key))
        return `"${key.slice(0, 64)}" holds a secret: a person sets it in the app, never in a proposed change`;
      const found = secret(inner, depth + 1);
      if (found) return found;
    }
    return null;
  };
  return secret(patch, 0);
}

/** `value` with every config change's action left out, however deep (its title, summary and details still say it). */
export const withoutConfigActions: (value: unknown) => unknown = withoutActionsOf(CONFIG_OPERATIONS);

/**
 * Capability `instances.config` (decision 75): an approval's action may change a gateway's
 * config (`patchConfig`, with the action's `config: {patch, baseHash}`). A socket that did not
 * ask gets such an approval without its action: a plain approval it can still read and decide.
 */
export function configCapability() {
  return approvalActionCapability({
    name: "instances.config",
    since: 19,
    summary: "an OpenClaw instance's config: a proposed change as an approval's action",
    adds: APPROVAL_ACTIONS,
    convert: withoutConfigActions,
    ownResults: ["instances.proposeConfig"],
  });
}
