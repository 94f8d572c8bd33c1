import type { MethodName } from "../../shared/protocol/methods";
import type { PresenceEntry } from "../../shared/protocol/presence";
import type { Principal } from "../../shared/protocol/principal";
import type { CurrentAccess } from "../agent/run-access";
import type { AutopilotAgent } from "../agent/runner";
import type { OpEffects } from "../domain/context";
import { RoomError } from "../domain/errors";
import type { Sql } from "../domain/sql";
import { SILENT } from "../domain/threads";
import type { BridgeSupervisor } from "./bridge-supervisor";
import { dispatch } from "./dispatch";
import { type DetailsDeps, instanceDetails } from "./instance-details";
import type { GraphApplyOutcome } from "./hatchery";
import type { RoomServices } from "./room-services";

/** The live parts of the Autopilot room its services are built from. */
export interface ServiceSources {
  sql: Sql;
  retain: number;
  publish(effects: OpEffects): void;
  bridges: BridgeSupervisor;
  agent: AutopilotAgent;
  presence(): PresenceEntry[];
  modelConfigured(): boolean;
  /** What `instances.details` reads for one instance. */
  details(instanceId: string): DetailsDeps;
  /** The Hatchery's answer to graph commands applied as `principalId`. */
  applyGraph(principalId: string, idempotencyKey: string, commands: Parameters<RoomServices["applyGraph"]>[1]): Promise<unknown>;
  currentAccess: CurrentAccess;
}

/** What the methods the room answers itself get (method-handlers.ts), for one request by `principal`. */
export function roomServices(src: ServiceSources, principal: Principal, setStatus: RoomServices["setStatus"]): RoomServices {
  return {
    sql: src.sql,
    retain: src.retain,
    publish: (effects) => src.publish(effects),
    principal,
    bridge: (instanceId) => src.bridges.get(instanceId),
    decisionsFor: (instanceId) => src.bridges.get(instanceId)?.decisions,
    presence: () => src.presence(),
    setStatus,
    defaultResponder: () => (src.modelConfigured() ? { kind: "autopilot", reply: "every" } : SILENT),
    linkPolicy: () => src.bridges.linkPolicy(),
    abortReply: (threadId) => src.agent.abort(threadId, principal),
    instanceDetails: (instanceId) => instanceDetails(src.details(instanceId), instanceId),
    currentAccess: src.currentAccess,
    applyGraph: async (idempotencyKey, commands) => {
      // RPC results lose their discriminated-union narrowing; read them as the plain union.
      const outcome = (await src.applyGraph(principal.id, idempotencyKey, commands)) as GraphApplyOutcome;
      if (!outcome.ok) throw new RoomError(outcome.error.code, outcome.error.message, outcome.error.details);
      return outcome.result;
    },
  };
}

const noPresence = (): never => {
  throw new RoomError("forbidden", "the Autopilot has no presence to update");
};

/**
 * A registry method as `principal` (the Autopilot's tools), through the same dispatch as a
 * client's request: scope check, validation and the idempotency table included.
 */
export async function invokeAs(src: ServiceSources, principal: Principal, method: MethodName, params: Record<string, unknown>): Promise<unknown> {
  const outcome = await dispatch({ sql: src.sql, principal, now: Date.now(), retain: src.retain, room: roomServices(src, principal, noPresence) }, { type: "req", id: "autopilot", method, params });
  src.publish(outcome.effects);
  if (!outcome.response.ok) throw new Error(`${outcome.response.error.code}: ${outcome.response.error.message}`);
  return outcome.response.payload;
}
