// What the instance-operation tests hand the operations (party/rooms/autopilot/features/
// instances/operations.ts) in a test room: its deps, an approved operation and the scripted
// runtime's status of instance `inst` (seeded by bridge-peer.ts's seedInstance).
import type { Approval } from "../../shared/protocol/approvals";
import type { DurableEvent } from "../../shared/protocol/events";
import type { InstanceOperation } from "../../shared/protocol/instances";
import type { Sql } from "../domain/sql";
import type { BridgeLink } from "../rooms/autopilot/features/gateway-bridge/bridge-link";
import type { OperationDeps } from "../rooms/autopilot/features/instances/operations";
import { commitTo } from "../rooms/autopilot/kernel/commit";
import type { RuntimeInstanceStatus } from "../rooms/autopilot/features/instance-store/runtime-client";
import { resolveApproval } from "../rooms/autopilot/features/approvals/approvals";
import { skillSecrets } from "../rooms/autopilot/features/gateway-skills/requests";
import { asPerson } from "./bridge-peer";
import { idem } from "./harness";

/** Deps of workspace `ws_test` with no runtime, recording what the operations publish in `events`; `more` adds the rest. */
/** The secret the deps seal held secrets under (the room's is BETTER_AUTH_SECRET). */
export const TEST_SEALING_SECRET = "test-sealing-secret-0123456789abcdef";

/** How the deps seal a skill change's key (workspace `ws_test`). */
export const testSkillSecrets = skillSecrets(TEST_SEALING_SECRET, "ws_test");

export function operationDeps(sql: Sql, events: DurableEvent[], more: Partial<OperationDeps> = {}): OperationDeps {
  return {
    sql,
    commit: commitTo(sql, 1000, (effects) => events.push(...effects.events)),
    workspaceId: "ws_test",
    sealingSecret: TEST_SEALING_SECRET,
    runtime: null,
    backupKeep: 3,
    ...more,
  };
}

/** The deps' gateway: channel requests go over `link`; with no link the instance is not connected. */
export const gatewayOver =
  (link: BridgeLink | null): OperationDeps["gateway"] =>
  () =>
    link
      ? {
          unpair: async () => {},
          channels: { request: (method, params, timeoutMs) => link.open().request(method, params, timeoutMs) },
        }
      : undefined;

/** Deps whose gateway is reached over `link` (null: not connected), recording what is published in `events`. */
export const linkDeps = (sql: Sql, link: BridgeLink | null, events: DurableEvent[]) =>
  operationDeps(sql, events, { gateway: gatewayOver(link) });

/** A person decides the approval in the room (one they asked for themselves confirmed as theirs); the approval as decided. */
export const decide = (sql: Sql, approvalId: string, decision: "approve" | "deny"): Approval =>
  asPerson(sql, (ctx) => resolveApproval(ctx, { approvalId, decision, confirmOwn: true, idempotencyKey: idem() }))
    .approval;

/** A person's approved `operation` on instance `inst`; `more` names it or words it otherwise. */
export const approvedOperation = (operation: InstanceOperation, more: Partial<Approval> = {}): Approval => ({
  id: `apr_${operation}_${crypto.randomUUID().slice(0, 6)}`,
  title: `${operation} OpenClaw instance "Work"`,
  details: "",
  risk: "medium",
  status: "approved",
  threadId: null,
  requestedBy: { kind: "user", id: "usr_ada", name: "Ada" },
  onBehalfOf: null,
  selfConfirmed: false,
  summary: "",
  requestedAt: Date.now(),
  expiresAt: null,
  resolvedBy: null,
  resolvedAt: Date.now(),
  note: null,
  action: { kind: "instance", operation, instanceId: "inst", name: "Work" },
  ...more,
});

/** The runtime's status of instance `inst`: ready, unless `patch` says otherwise. */
export const runtimeStatus = (patch: Partial<RuntimeInstanceStatus> = {}): RuntimeInstanceStatus => ({
  workspaceId: "ws_test",
  instanceId: "inst",
  state: "ready",
  phase: "ready",
  progress: 100,
  phases: [],
  port: 18789,
  pid: 1,
  gatewayVersion: "2026.9.6",
  createdAt: new Date(0).toISOString(),
  startedAt: new Date(0).toISOString(),
  readyAt: new Date(0).toISOString(),
  startupMs: 1,
  restarts: 0,
  restoredFrom: null,
  error: null,
  version: 1,
  ...patch,
});
