import type { InstanceSleep } from "../../../../../shared/protocol/instances";
import { RoomError } from "../../../../domain/errors";

/**
 * The one refusal of a request that needs an instance's gateway while none is connected:
 * `unavailable` (it may work later), the instance named, in words the app reads ("not
 * connected": client/app/panels/devices/texts.ts says what to do then). A hosted gateway
 * asleep (decision 78) is not broken, and reading it wakes nothing: the words say it sleeps
 * and what wakes it (or why its last wake was refused), and `details.sleep` its state.
 */
export function gatewayNotConnected(instance: {
  id: string;
  name?: string | undefined;
  sleep?: Pick<InstanceSleep, "state" | "refused"> | undefined;
}): RoomError {
  const whose = instance.name ?? `OpenClaw instance ${instance.id}`;
  const state = instance.sleep?.state;
  if (state === "asleep" || state === "waking") {
    const refused = state === "asleep" ? instance.sleep?.refused : null;
    const words =
      state === "waking"
        ? `the gateway of ${whose} is waking up: try again once it shows connected`
        : refused
          ? `the gateway of ${whose} is asleep and could not wake: ${refused}`
          : `the gateway of ${whose} is asleep: the next message to it wakes it`;
    return new RoomError("unavailable", words, { instanceId: instance.id, sleep: state });
  }
  return new RoomError("unavailable", `the gateway of ${whose} is not connected right now`, {
    instanceId: instance.id,
  });
}
