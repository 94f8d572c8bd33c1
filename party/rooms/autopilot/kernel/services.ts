import type { Scheduler } from "agents/schedules";
import type { EventName, EventPayload } from "../../../../shared/protocol/events";
import type { PresenceEntry } from "../../../../shared/protocol/presence";
import type { AccessVerdict } from "../../../auth/current-access";
import type { RoomWriter } from "./commit";
import type { Env } from "../../../env";
import type { GuardedSocket } from "../../shared/connection-access";
import type { ClientSocket } from "../../shared/connection-state";
import type { Audience } from "../../shared/reading";
import type { RoomLimits } from "../../shared/limits";
import type { RequestMeter } from "../../shared/rate-limit";
import type { Executor } from "./dispatch";
import type { Principal, Scope } from "../../../../shared/protocol/principal";

/** A principal's access as it stands now (the room asks D1: recheckPrincipal). */
export type CurrentAccess = (principal: Principal) => Promise<AccessVerdict>;

/**
 * What the kernel gives every feature it installs (the `agents` host's services for its
 * capabilities): its SQL and the one commit, its name, its Worker's bindings and vars, its
 * schedules and sockets, the broadcast of ephemeral events, the one entry for requests, and
 * holding the object awake.
 */
export interface RoomServices extends RoomWriter {
  readonly env: Env;
  /** The workspace this room serves: known once a request, alarm or RPC named it. */
  workspaceId(): string;
  readonly scheduler: Scheduler;
  /** The room's client sockets (its own and those its delivery objects hold), to find a person's by their tag. */
  readonly sockets: { getConnections(tag?: string): Iterable<ClientSocket> };
  /** The client sockets as the kernel serves them: who is connected, the request meter, a frame to one socket. */
  readonly clients: {
    presence(): PresenceEntry[];
    /** Whether this socket is connected, and how many a principal has: the presence index's, in memory. */
    connected(connectionId: string): boolean;
    connectedOf(principalId: string): number;
    readonly meter: RequestMeter;
    send(conn: ClientSocket, text: string): void;
  };
  /** Every open client socket, to re-check its access. */
  guardedSockets(): GuardedSocket[];
  limits(): RoomLimits;
  /** An ephemeral event to every socket (durable ones are published by the commit). */
  broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /**
   * An ephemeral event to the sockets whose principal holds `scope` (the money is not for a
   * write-only key), or is in an audience (reading.ts: people only, or all but some people).
   */
  toScope<E extends EventName>(scope: Scope | Audience, event: E, payload: EventPayload<E>): void;
  /** An ephemeral event to one principal's own sockets, nobody else's. */
  toPrincipal<E extends EventName>(principalId: string, event: E, payload: EventPayload<E>): void;
  /** A request through the one entry (kernel/dispatch.ts), as a tool or an MCP session makes it. */
  readonly invoke: Executor["invoke"];
  readonly call: Executor["call"];
  /** Keeps the object in memory until the returned release is called. */
  keepAlive(): Promise<() => void>;
  /** Keeps the object in memory while work outlives its request; logs the work's failure. */
  keepAliveWhile(work: () => Promise<void>): Promise<void>;
  /** A principal's access as D1 has it now. */
  readonly currentAccess: CurrentAccess;
}
