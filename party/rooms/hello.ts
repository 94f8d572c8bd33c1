import type { HelloPayload } from "../../shared/protocol/hello";
import type { PresenceEntry } from "../../shared/protocol/presence";
import type { Principal } from "../../shared/protocol/principal";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import { currentSeq, type ResumePlan } from "../domain/eventlog";
import { buildSnapshot } from "../domain/snapshot";
import type { Sql } from "../domain/sql";

export interface HelloInput {
  sql: Sql;
  connectionId: string;
  workspaceId: string;
  epoch: string;
  principal: Principal;
  plan: ResumePlan;
  /** Only read for a snapshot (a resume gets none). */
  presence: () => PresenceEntry[];
  live: HelloPayload["live"];
  agent: HelloPayload["agent"];
  limits: HelloPayload["limits"];
}

/** The first frame of a connection: a bounded snapshot, or what the replay that follows starts from. */
export function buildHello(input: HelloInput): HelloPayload {
  const { plan } = input;
  return {
    protocol: PROTOCOL_VERSION,
    connectionId: input.connectionId,
    workspaceId: input.workspaceId,
    epoch: input.epoch,
    principal: input.principal,
    seq: currentSeq(input.sql),
    reset: plan.kind === "snapshot" && plan.reset,
    resumedFrom: plan.kind === "replay" ? plan.from : null,
    snapshot: plan.kind === "snapshot" ? buildSnapshot(input.sql, input.presence()) : null,
    ...(input.live ? { live: input.live } : {}),
    ...(input.agent ? { agent: input.agent } : {}),
    limits: input.limits,
  };
}
