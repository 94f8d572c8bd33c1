import type { PresenceEntry } from "../../../shared/protocol/presence";
import type { Principal } from "../../../shared/protocol/principal";

/** What the Autopilot keeps per socket, in `connection.state` so it survives hibernation. */
export interface ConnState {
  principal: Principal;
  device: string;
  connectedAt: number;
  status: string | null;
  /** Protocol 18: the threads this socket gets messages and streams of; absent: every thread (view-tags.ts). */
  view?: string[];
}

/**
 * A socket let in (admission.ts): who it is, in which protocol and view, and
 * where it resumes from. The room admits its own sockets; a delivery object admits those it holds
 * and tells the room this.
 */
export interface AdmittedSocket {
  state: ConnState;
  /** The last durable seq the client has, and the room's epoch it had it in (null: a fresh start). */
  lastSeq: number | null;
  epoch: string | null;
}

/**
 * A client socket as the Autopilot's code uses it: one of its own (the lifecycle's `Connection`)
 * or one a delivery object holds for it (kernel/tier.ts RemoteSocket).
 */
export interface ClientSocket {
  readonly id: string;
  /** The lifecycle's tags: the id first, then the principal's and the fan-out's (socket-fanout.ts). */
  readonly tags: readonly string[];
  readonly readyState: number;
  readonly state: unknown;
  setState(state: ConnState): unknown;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

/** agents types `connection.state` as deeply readonly; ours is plain data we replace whole. */
export function connState(conn: Pick<ClientSocket, "state">): ConnState | null {
  const state = conn.state as ConnState | null | undefined;
  return state?.principal ? state : null;
}

export function presenceEntry(connectionId: string, state: ConnState): PresenceEntry {
  return {
    connectionId,
    principalId: state.principal.id,
    kind: state.principal.kind,
    name: state.principal.name,
    device: state.device,
    connectedAt: state.connectedAt,
    status: state.status,
  };
}

/** Everyone connected, as presence entries. */
export function presenceOf(connections: Iterable<ClientSocket>): PresenceEntry[] {
  const entries: PresenceEntry[] = [];
  for (const conn of connections) {
    const state = connState(conn);
    if (state) entries.push(presenceEntry(conn.id, state));
  }
  return entries;
}
