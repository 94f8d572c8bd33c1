import type { Snapshot } from "../../shared/protocol/hello";
import type { PresenceEntry } from "../../shared/protocol/presence";
import { approvalsForSnapshot } from "./approvals";
import { listInstances } from "./instances";
import { jobsForSnapshot } from "./jobs";
import type { Sql } from "./sql";
import { listThreads } from "./threads";

export function buildSnapshot(sql: Sql, presence: PresenceEntry[]): Snapshot {
  return {
    threads: listThreads(sql, true),
    approvals: approvalsForSnapshot(sql),
    jobs: jobsForSnapshot(sql),
    presence,
    instances: listInstances(sql),
  };
}
