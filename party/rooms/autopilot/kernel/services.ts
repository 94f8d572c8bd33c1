import type { Scheduler } from "agents/schedules";
import type { EventName, EventPayload } from "../../../../shared/protocol/events";
import type { CurrentAccess } from "../../../agent/run-access";
import type { RoomWriter } from "../../../domain/context";
import type { Env } from "../../../env";

/**
 * What the room gives every feature it installs (the `agents` host's services for its
 * capabilities): its SQL and the one commit, its name, its Worker's bindings and vars, its
 * schedules, the broadcast of ephemeral events, and holding the object awake.
 */
export interface RoomServices extends RoomWriter {
  readonly env: Env;
  /** The workspace this room serves: known once a request, alarm or RPC named it. */
  workspaceId(): string;
  readonly scheduler: Scheduler;
  /** An ephemeral event to every socket (durable ones are published by the commit). */
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Keeps the object in memory while work outlives its request; logs the work's failure. */
  keepAliveWhile(work: () => Promise<void>): Promise<void>;
  /** A principal's access as D1 has it now. */
  readonly currentAccess: CurrentAccess;
}
