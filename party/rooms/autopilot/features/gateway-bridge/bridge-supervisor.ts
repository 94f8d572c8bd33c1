import type { ChatStream } from "../../../../../shared/protocol/gateway";
import type { Actor } from "../../../../../shared/protocol/principal";
import type { CurrentAccess } from "../../kernel/services";
import { postRefusal } from "../approvals/index";
import type { BridgeDeps } from "./bridge-link";
import { type GatewayLimitVars, readGatewayLimits } from "./gateway-limits";
import { InstanceBridge } from "./instance-bridge";
import type { FileReader } from "./outbox-files";
import { linkedGatewayDialer } from "./linked-gateway";
import {
  bindingForThread,
  gatewayLink,
  getInstance,
  linkTokens,
  type LinkPolicy,
  type LinkPolicyVars,
  listInstances,
  readLinkPolicy,
  type RuntimeClient,
} from "../instance-store";
import type { GatewayAccess } from "./gateway-tool";
import type { Sql } from "../../../../domain/sql";

export interface SupervisorDeps extends Pick<BridgeDeps, "sql" | "commit" | "broadcast"> {
  /** A principal's access as D1 has it now: messages queued for a gateway go only while their author may post. */
  currentAccess?: CurrentAccess;
  sql: Sql;
  /** Read when a bridge starts: a room knows its name only once a request or alarm named it. */
  workspaceId(): string;
  /** The runtime, or null when none is configured (then no hosted instance's bridge runs). */
  runtime(): RuntimeClient | null;
  /**
   * The Worker's vars, read when they are needed (an operator may change them): which
   * addresses linked gateways may have (party/rooms/autopilot/features/instance-store/gateway-address.ts) and what the room
   * takes from any gateway (party/rooms/autopilot/features/gateway-bridge/gateway-limits.ts),
   * and the secret linked gateways' tokens are sealed under (instance-store/gateway-links.ts).
   */
  vars(): LinkPolicyVars & GatewayLimitVars & { BETTER_AUTH_SECRET?: string };
  /** A bridge's session list changed: sessions are no durable event, so the canvas is told apart. */
  sessionsChanged(): void;
  /** A file's bytes in this workspace (R2): queued messages carry their files to the gateway. */
  files?: FileReader;
  /** A gateway run ended: the room reads what the gateway spent (party/rooms/autopilot/features/metering/). */
  runEnded?(instanceId: string): void;
}

/**
 * One bridge per live OpenClaw instance. Their outbound sockets keep the room in memory
 * (an outbound WebSocket cannot hibernate); client sockets still hibernate normally
 * whenever no instance is live.
 */
export class BridgeSupervisor {
  readonly #d: SupervisorDeps;
  readonly #bridges = new Map<string, InstanceBridge>();
  /** Instances being deleted: no bridge may (re)start for them. */
  readonly #deleting = new Set<string>();
  /** Instances whose approved (re)start the runtime has not answered yet (OperationDeps.awaitingRuntime). */
  readonly #awaiting = new Map<string, number>();

  constructor(deps: SupervisorDeps) {
    this.#d = deps;
  }

  get size(): number {
    return this.#bridges.size;
  }

  /** Which addresses linked gateways may have; instances.link checks a request against it too. */
  linkPolicy(): LinkPolicy {
    return readLinkPolicy(this.#d.vars());
  }

  get(instanceId: string): InstanceBridge | undefined {
    return this.#bridges.get(instanceId);
  }

  /**
   * The gateway of the instance attached to a thread, for the Autopilot's gateway tools;
   * null when the thread has none or no bridge runs for it. Its requests are refused while
   * the gateway is not connected.
   */
  gatewayFor(threadId: string): GatewayAccess | null {
    const binding = bindingForThread(this.#d.sql, threadId);
    const bridge = binding ? this.#bridges.get(binding.instanceId) : undefined;
    if (!binding || !bridge) return null;
    return {
      instanceId: binding.instanceId,
      instanceName: getInstance(this.#d.sql, binding.instanceId)?.name ?? binding.instanceId,
      sessionKey: binding.sessionKey,
      catalog: () => bridge.toolsCatalog(),
      invoke: (request) => bridge.invokeTool(request),
    };
  }

  /** Every live reply being streamed, for a connecting client's hello. */
  get streams(): ChatStream[] {
    return [...this.#bridges.values()].flatMap((b) => b.streams);
  }

  /**
   * Called before a delete reaches the runtime (and again if it failed): the bridge stops
   * first, or it would see the gateway gone and start it again.
   */
  deleting(instanceId: string, active: boolean): void {
    if (active) this.#deleting.add(instanceId);
    else this.#deleting.delete(instanceId);
  }

  awaitingRuntime(instanceId: string, active: boolean): void {
    // Counted: two approved restarts of one instance may overlap.
    const count = (this.#awaiting.get(instanceId) ?? 0) + (active ? 1 : -1);
    if (count > 0) this.#awaiting.set(instanceId, count);
    else this.#awaiting.delete(instanceId);
  }

  /** Starts a bridge for every instance that exists and stops the ones of deleted instances. */
  ensure(): void {
    const runtime = this.#d.runtime();
    const live = new Set<string>();
    for (const instance of listInstances(this.#d.sql)) {
      if (instance.status === "stopped") {
        this.#deleting.delete(instance.id);
        continue;
      }
      if (this.#deleting.has(instance.id)) continue;
      live.add(instance.id);
      if (this.#bridges.has(instance.id)) continue;
      const { sql, commit } = this.#d;
      const broadcast: BridgeDeps["broadcast"] = (event, payload) => {
        this.#d.broadcast(event, payload);
        if (event === "sessions.changed") this.#d.sessionsChanged();
      };
      const workspaceId = this.#d.workspaceId();
      // A linked gateway is dialled directly; a hosted one through the runtime (none: no bridge).
      const link =
        instance.kind === "linked"
          ? gatewayLink(sql, instance.id, linkTokens(this.#d.vars().BETTER_AUTH_SECRET ?? "", workspaceId))
          : null;
      const dialer = link
        ? linkedGatewayDialer(link, workspaceId, () => this.linkPolicy())
        : instance.kind === "linked"
          ? null
          : runtime;
      if (!dialer) continue;
      const instanceId = instance.id;
      const statusOnHold = () => this.#awaiting.has(instanceId);
      const { currentAccess } = this.#d;
      const bridge = new InstanceBridge({
        workspaceId,
        instanceId,
        sql,
        commit,
        runtime: dialer,
        broadcast,
        statusOnHold,
        limits: readGatewayLimits(this.#d.vars()),
        ...(this.#d.files ? { files: this.#d.files } : {}),
        ...(this.#d.runEnded ? { runEnded: this.#d.runEnded } : {}),
        ...(currentAccess ? { mayNoLongerPost: (author: Actor) => postRefusal(currentAccess, author) } : {}),
      });
      this.#bridges.set(instance.id, bridge);
      bridge.start();
    }
    for (const [id, bridge] of this.#bridges) {
      if (live.has(id)) continue;
      bridge.stop();
      this.#bridges.delete(id);
    }
  }
}
