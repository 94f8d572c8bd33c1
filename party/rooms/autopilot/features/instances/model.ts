// An instance's own model (decision 74): the runtime offers models (OPENCLAW_MODEL_IDS) and
// lists them all in every hosted gateway's config under its `runtime` provider; the room sets
// one as the gateway's `agents.defaults.model.primary` through the gateway's own `config.patch`
// (against the hash `config.get` gave, so a change made meanwhile is not overwritten), which
// validates it and reloads; the runtime keeps it across restarts. A linked gateway's model is
// its owner's, set on its own machine. The gateway's config is a remote value: only the model
// ids are read from it, each checked as the protocol's.
import type { z } from "zod";
import { type InstancesModelsResult, type Instance, ModelId } from "../../../../../shared/protocol/instances";
import { RoomError } from "../../../../domain/errors";
import { type GatewayCaller, type GatewayReader, readGatewayConfig, redactedText } from "../gateway-channels";
import { gatewayNotConnected } from "../instance-store";

/** The runtime's provider in a hosted gateway's config (runtime/src/gateway-config.ts MODEL_PROVIDER_ID). */
const PROVIDER = "runtime";
const MAX_OFFERED = 20;

export const LINKED_MODEL_NOTE =
  "a linked gateway's model is set on the machine it runs on (its own config's agents.defaults.model)";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const at = (v: unknown, ...path: string[]): unknown => path.reduce((o, k) => (isObj(o) ? o[k] : undefined), v);

/** What a gateway's config says of its models: the ones offered and the one chosen (ids as the protocol's). */
export function modelsInConfig(config: unknown): { model: string | null; offered: string[] } {
  const listed = at(config, "models", "providers", PROVIDER, "models");
  const offered = (Array.isArray(listed) ? listed : [])
    .map((m) => at(m, "id"))
    .filter((id): id is string => ModelId.safeParse(id).success)
    .slice(0, MAX_OFFERED);
  const primary = at(config, "agents", "defaults", "model", "primary");
  const chosen =
    typeof primary === "string" && primary.startsWith(`${PROVIDER}/`) ? primary.slice(PROVIDER.length + 1) : null;
  return { model: chosen !== null && offered.includes(chosen) ? chosen : (offered[0] ?? null), offered };
}

async function snapshot(gateway: GatewayCaller, instanceId: string) {
  const { hash, config } = await readGatewayConfig(gateway, instanceId);
  return { hash, ...modelsInConfig(config) };
}

/** `instances.models`: what its gateway's config says now. */
export async function instanceModels(
  instance: Instance,
  bridge: GatewayReader | undefined,
): Promise<z.output<typeof InstancesModelsResult>> {
  if (instance.kind === "linked") return { model: null, offered: [], note: LINKED_MODEL_NOTE };
  if (!bridge?.connected) throw gatewayNotConnected(instance);
  const { model, offered } = await snapshot(bridge.channels, instance.id);
  return { model, offered, note: null };
}

/** Sets a hosted instance's model on its gateway (before `instances.update` records the rest). */
export async function setInstanceModel(
  instance: Instance,
  bridge: GatewayReader | undefined,
  model: string,
): Promise<void> {
  if (instance.kind === "linked")
    throw new RoomError("conflict", `${instance.id} is a linked gateway: ${LINKED_MODEL_NOTE}`, {
      instanceId: instance.id,
    });
  if (!bridge?.connected) throw gatewayNotConnected(instance);
  const current = await snapshot(bridge.channels, instance.id);
  if (!current.offered.includes(model))
    throw new RoomError(
      "bad_request",
      `the runtime does not offer the model "${model}": ${current.offered.map((m) => `"${m}"`).join(", ") || "none"}`,
      { instanceId: instance.id },
    );
  if (current.model === model) return;
  try {
    await bridge.channels.request("config.patch", {
      raw: JSON.stringify({ agents: { defaults: { model: { primary: `${PROVIDER}/${model}` } } } }),
      baseHash: current.hash,
      note: "the instance's model, set from the product",
    });
  } catch (error) {
    throw new RoomError(
      "unavailable",
      `the gateway did not take the model: ${redactedText(error instanceof Error ? error.message : String(error), 500)}`,
      { instanceId: instance.id },
    );
  }
}
