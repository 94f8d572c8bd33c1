import { useEffect, useRef } from "react";
import { useRoom } from "../stores/room";

/**
 * Reads a list of members, keys or invitations again whenever the room says access in the
 * workspace changed (`access.changed`, protocol 12): someone joined through an invitation, a
 * key was revoked in another tab. The list itself comes from the auth API.
 */
export function useAccessChanges(reload: () => unknown): void {
  const client = useRoom((s) => s.client);
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => (client ? client.on("access.changed", () => void latest.current()) : undefined), [client]);
}
