import type { Instance } from "../../../../../shared/protocol/instances";
import type { Actor } from "../../../../../shared/protocol/principal";

/** Who a gateway reply or request is from, in the room. */
export function instanceActor(instance: Pick<Instance, "id" | "name">): Actor {
  return { id: `instance:${instance.id}`, kind: "agent", name: instance.name };
}

/** Someone who wrote into a gateway session from outside the room (another OpenClaw client). */
export function gatewayUserActor(instanceId: string): Actor {
  return { id: `gateway-user:${instanceId}`, kind: "user", name: "OpenClaw user" };
}
