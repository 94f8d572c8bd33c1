import type { Env } from "../../env";
import { parseRetirements, protocolWindow, type ProtocolWindow } from "../../../shared/protocol/version";

/**
 * The Autopilot protocol's versions spoken at `now` here: the window's own dates, and what an
 * operator announced (`PROTOCOL_RETIREMENTS`). Read where a connect is admitted or greeted (the
 * Worker, the room, the delivery objects), never per frame.
 */
export const protocolWindowOf = (env: Pick<Env, "PROTOCOL_RETIREMENTS">, now: number): ProtocolWindow =>
  protocolWindow(now, { announced: parseRetirements(env.PROTOCOL_RETIREMENTS) });
