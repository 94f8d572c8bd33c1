import type { Approval } from "../../../../../shared/protocol/approvals";
import {
  CHANNEL_OPERATIONS,
  CONFIG_OPERATIONS,
  type InstancesDetailsResult,
  SKILL_OPERATIONS,
  TOOL_OPERATIONS,
} from "../../../../../shared/protocol/instances";
import type { z } from "zod";
import { RoomError } from "../../../../domain/errors";
import type { OpContext } from "../../kernel/commit";
import type { RoomServices } from "../../kernel/services";
import type { SpendGate } from "../billing/index";
import type { BridgeSupervisor, GatewayBridges } from "../gateway-bridge";
import { changedAccount as changed, refreshChannels, settleChannelApproval } from "../gateway-channels";
import { settleSkillApproval } from "../gateway-skills";
import { settleConfigApproval } from "../instance-config";
import { settleToolApproval } from "../instance-tools";
import { dropLinkRequest, getInstance, listInstances, listSessions, runtimeFromEnv } from "../instance-store";
import type { InstanceSleeper } from "../instance-sleep";
import { checkInstanceStart, type InstanceMeters } from "../metering";
import { type BackupPolicy, readBackupPolicy } from "./backup-policy";
import { instanceDetails } from "./details";
import { runLinkedOperation } from "./linked-operations";
import { type OperationDeps, runInstanceOperation, watchInstance } from "./operations";
import { RecurringAlarms, wantedAlarms } from "./recurring-alarms";
import { runScheduledBackups } from "./scheduled-backups";

/** What the instances' money needs of the room: the spend gate for starts, the meters for what they use. */
export interface InstanceBilling {
  spend: SpendGate;
  meters: InstanceMeters;
}

/** How long a decision made while its gateway slept waits for the wake before it runs (and fails in words). */
const WAKE_FOR_DECISION_MS = 120_000;

/** How often a room with live instances wakes itself to make sure its bridges run. */
const BRIDGE_WATCH_SECONDS = 300;

/**
 * The room's OpenClaw instances at work: one bridge per instance (a gateway connection),
 * operations that outlive their request, the bridge watch and scheduled backups.
 */
export class InstanceHost {
  readonly bridges: BridgeSupervisor;
  readonly #alarms: RecurringAlarms;
  readonly #backupPolicy: BackupPolicy;

  constructor(
    private readonly s: RoomServices,
    private readonly billing: InstanceBilling,
    private readonly gateways: GatewayBridges,
    private readonly sleeper: Pick<InstanceSleeper, "awake">,
  ) {
    this.#backupPolicy = readBackupPolicy(s.env);
    this.#alarms = new RecurringAlarms(
      s.scheduler,
      wantedAlarms(BRIDGE_WATCH_SECONDS, this.#backupPolicy.intervalSeconds),
      s.workspaceId,
    );
    this.bridges = gateways.bridges;
  }

  /**
   * Refuses a (re)start before anything starts: over the plan's limit of running instances, or
   * out of credits for an hour of it (features/metering/billing-meters.ts). Called when it is asked and
   * again when its approval runs.
   */
  guardStart(ctx: OpContext, instanceId: string): void {
    const by = ctx.principal;
    checkInstanceStart(
      ctx.sql,
      this.billing.spend,
      listInstances(ctx.sql),
      instanceId,
      { principalId: by.id, keyId: by.kind === "agent" ? by.id : null, projectId: null, taskId: null },
      ctx.now,
    );
  }

  get sql() {
    return this.s.sql;
  }

  /** On every start: a watch cut short by a restart (deploy, crash, eviction) is picked up; bridges follow the instances. */
  start(): void {
    for (const instance of listInstances(this.s.sql)) {
      if (instance.status === "provisioning" || instance.status === "starting")
        void this.s.keepAliveWhile(async () => {
          await watchInstance(this.operations(), instance.id);
        });
    }
    this.ensureBridges();
  }

  /** Starts and stops bridges to match the instances; keeps the recurring alarms while any runs. */
  ensureBridges(): void {
    this.bridges.ensure();
    if (this.bridges.size > 0) void this.#alarms.sync(true);
  }

  /**
   * Scheduled while any instance exists. A room evicted (deploy, crash) with no client to
   * wake it would leave its gateways unwatched until someone connects; this alarm wakes it,
   * and waking restarts the bridges (onStart), which then catch up on what they missed.
   */
  async watch(): Promise<void> {
    this.ensureBridges();
    if (this.bridges.size === 0) await this.#alarms.sync(false);
  }

  /** Scheduled callback (BACKUP_INTERVAL_SECONDS): a backup job per ready instance. */
  backup(): Promise<void> {
    return this.s.keepAliveWhile(() => runScheduledBackups(this.operations(), this.#backupPolicy));
  }

  /**
   * An instance approval was decided: an approved one runs, outliving the request (on our
   * runtime, or on the room alone for a linked gateway); a link denied or expired drops the
   * token it was filed with. Channel and skill changes and tool runs go to the gateway, hosted or linked alike.
   */
  settle(approval: Approval): void {
    const action = approval.action;
    if (action?.kind !== "instance") return;
    const deps = this.operations();
    if (CHANNEL_OPERATIONS.has(action.operation)) {
      this.#onGateway(approval, action.instanceId, async () => {
        await settleChannelApproval(deps, approval);
        // What the change did to the channels, on the instance's record for everyone.
        const gateway = approval.status === "approved" ? this.bridges.get(action.instanceId) : undefined;
        if (gateway?.connected)
          await refreshChannels(deps.commit, action.instanceId, gateway.channels, changed(approval));
      });
      return;
    }
    if (SKILL_OPERATIONS.has(action.operation)) {
      this.#onGateway(approval, action.instanceId, () => settleSkillApproval(deps, approval));
      return;
    }
    if (TOOL_OPERATIONS.has(action.operation)) {
      const tools = (instanceId: string) => this.bridges.get(instanceId);
      this.#onGateway(approval, action.instanceId, () => settleToolApproval({ ...deps, tools }, approval));
      return;
    }
    if (CONFIG_OPERATIONS.has(action.operation)) {
      const configOf = (instanceId: string) => this.bridges.get(instanceId);
      this.#onGateway(approval, action.instanceId, () => settleConfigApproval({ ...deps, configOf }, approval));
      return;
    }
    if (approval.status !== "approved") {
      if (action.operation === "link") dropLinkRequest(deps.sql, approval.id);
      return;
    }
    const linked = action.operation === "link" || getInstance(deps.sql, action.instanceId)?.kind === "linked";
    void this.s.keepAliveWhile(() =>
      linked ? runLinkedOperation(deps, approval) : runInstanceOperation(deps, approval),
    );
  }

  /**
   * A decided change for the instance's gateway: an approved one decided while the gateway
   * slept wakes it and runs once its bridge is connected again (decision 78), once.
   */
  #onGateway(approval: Approval, instanceId: string, run: () => Promise<void>): void {
    void this.s.keepAliveWhile(async () => {
      if (approval.status === "approved") await this.sleeper.awake(instanceId, WAKE_FOR_DECISION_MS);
      await run();
    });
  }

  /** Called when a bridge's sessions change (the canvas pulls them: sessions are no durable event). */
  onSessionsChanged(listener: () => void): void {
    this.gateways.onSessionsChanged(listener);
  }

  /** A thread was bound to one of an instance's sessions, or the instance is gone: clients get its list again. */
  sessionsChanged(instanceId: string): void {
    this.s.broadcast("sessions.changed", listSessions(this.s.sql, instanceId));
  }

  /** `instances.details`: from the runtime and the gateway (details.ts). */
  instanceDetails(instanceId: string): Promise<z.output<typeof InstancesDetailsResult>> {
    return instanceDetails(
      { ...this.operations(), bridge: this.bridges.get(instanceId), policy: this.#backupPolicy },
      instanceId,
    );
  }

  operations(): OperationDeps {
    const { s } = this;
    return {
      sql: s.sql,
      commit: s.commit,
      workspaceId: s.workspaceId(),
      sealingSecret: s.env.BETTER_AUTH_SECRET,
      runtime: runtimeFromEnv(s.env),
      backupKeep: this.#backupPolicy.keep,
      gateway: (instanceId) => this.bridges.get(instanceId),
      deleting: (instanceId, active) => {
        this.bridges.deleting(instanceId, active);
        this.ensureBridges();
      },
      awaitingRuntime: (instanceId, active) => this.bridges.awaitingRuntime(instanceId, active),
      startRefusal: (ctx, instanceId) => {
        try {
          this.guardStart(ctx, instanceId);
          return null;
        } catch (error) {
          if (error instanceof RoomError) return error.message;
          throw error;
        }
      },
      beforeStart: () => this.billing.meters.tellRuntime(true),
      toScope: (to, event, payload) => s.toScope(to, event, payload),
    };
  }
}
