import { RoomError } from "../../../../domain/errors";

/**
 * The one refusal of a request that needs an instance's gateway while none is connected:
 * `unavailable` (it may work later), the instance named, in words the app reads ("not
 * connected": client/app/panels/devices/texts.ts says what to do then).
 */
export function gatewayNotConnected(instance: { id: string; name?: string | undefined }): RoomError {
  const whose = instance.name ?? `OpenClaw instance ${instance.id}`;
  return new RoomError("unavailable", `the gateway of ${whose} is not connected right now`, {
    instanceId: instance.id,
  });
}
