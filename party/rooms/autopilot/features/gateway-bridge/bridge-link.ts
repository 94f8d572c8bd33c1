import type { EventPayload } from "../../../../../shared/protocol/events";
import type { Actor } from "../../../../../shared/protocol/principal";
import type { Commit, OpContext } from "../../kernel/commit";
import { gatewayNotConnected, getInstance, instanceActor, type RuntimeClient } from "../instance-store";
import type { Sql } from "../../../../domain/sql";
import type { GatewayConnection } from "./gateway-connection";
import { DEFAULT_GATEWAY_LIMITS, type GatewayLimits } from "./gateway-limits";
import type { FileReader } from "./outbox-files";

/** What the bridge asks of the runtime: the instance's status, its credentials, its gateway socket. */
export type BridgeRuntime = Pick<RuntimeClient, "status" | "provision" | "credentials" | "openGateway">;

export type BridgeEvent = "chat.delta" | "chat.final" | "chat.error" | "sessions.changed" | "instance.devices";

export interface BridgeDeps {
  workspaceId: string;
  instanceId: string;
  sql: Sql;
  /** The room's commit: durable effects are published after it. */
  commit: Commit;
  runtime: BridgeRuntime;
  /** Ephemeral events to every client. */
  broadcast<E extends BridgeEvent>(event: E, payload: EventPayload<E>): void;
  /** True while an approved (re)start awaits the runtime's answer: a status read now may predate it. */
  statusOnHold?(): boolean;
  /** What the room takes from this gateway (the defaults when unset). */
  limits?: GatewayLimits;
  /**
   * Why a queued message may no longer be sent for its author (their access or `write` is
   * gone, read as it stands now), or null when it may. Throws when access cannot be read.
   */
  mayNoLongerPost?(author: Actor): Promise<string | null>;
  /** A file's bytes in this workspace (R2), for a queued message's attachments; none: files are left out and said. */
  files?: FileReader;
  /** A run of this gateway ended (final, stopped or failed): the room reads what the gateway spent on the model. */
  runEnded?(instanceId: string): void;
}

/**
 * What the parts of one instance's bridge share: the room they write into, and the
 * gateway connection while one is up (instance-bridge.ts sets it on every connect).
 */
export class BridgeLink {
  readonly deps: BridgeDeps;
  connection: GatewayConnection | null = null;
  /** True once the catch-up after the current connect is done: the outbox waits for it. */
  caughtUp = false;
  stopped = false;

  constructor(deps: BridgeDeps) {
    this.deps = deps;
  }

  get instanceId(): string {
    return this.deps.instanceId;
  }

  get sql(): Sql {
    return this.deps.sql;
  }

  get limits(): GatewayLimits {
    return this.deps.limits ?? DEFAULT_GATEWAY_LIMITS;
  }

  /** The connection if it is open right now. */
  get live(): GatewayConnection | null {
    return this.connection?.isOpen ? this.connection : null;
  }

  /** The open connection, for a request a person is waiting on: refused while there is none. */
  open(): GatewayConnection {
    const connection = this.live;
    if (!connection)
      throw gatewayNotConnected({ id: this.instanceId, sleep: getInstance(this.sql, this.instanceId)?.sleep });
    return connection;
  }

  /** One room transaction as the instance (or the room itself), published after commit. */
  room<T>(as: "instance" | null, fn: (ctx: OpContext) => T): T {
    const instance = getInstance(this.sql, this.instanceId);
    const actor = instance && as === "instance" ? instanceActor(instance) : null;
    const principal = actor ? { ...actor, scopes: ["admin" as const] } : null;
    return this.deps.commit(principal, fn);
  }

  log(msg: string, detail: unknown): void {
    console.warn(
      JSON.stringify({
        msg,
        workspace: this.deps.workspaceId,
        instance: this.instanceId,
        detail: detail instanceof Error ? detail.message : detail,
      }),
    );
  }
}
