import type { DurableEvent, DurableEventName, EventPayload } from "../../../../shared/protocol/events";
import type { MethodName, MethodResult } from "../../../../shared/protocol/methods";
import type { Principal } from "../../../../shared/protocol/principal";
import type { OpEffects } from "../domain/context";
import type { Methods } from "./handlers";

/**
 * Where a request came from: a client's socket, an MCP session, one of the Autopilot's own
 * tools, or a schedule acting as its owner (features/schedules/).
 */
export type Via = "socket" | "mcp" | "tool" | "schedule";

/** A reaction to one durable event, after the commit that wrote it went out to every client. */
export type Reaction<E extends DurableEventName> = (payload: EventPayload<E>, event: DurableEvent<E>) => void;

/** A request that was answered `ok`: who asked, through what, and the answer's payload. */
export interface Answered<M extends MethodName = MethodName> {
  method: M;
  principal: Principal;
  via: Via;
  payload: MethodResult<M>;
}

/**
 * One capability of the Autopilot room (the `agents` capability and Hocuspocus extension
 * pattern): its methods, what it does after each commit, by event or for the commit as a
 * whole, and after a request it cares about was answered, its schedules and its start. The room installs the features in order
 * (features/list.ts); the kernel calls them and knows none of them.
 */
export interface Feature {
  readonly name: string;
  /** The registry methods this feature answers (shared/protocol/methods.ts), each with its handler. */
  readonly methods?: Methods;
  /** After a commit's events went out: one call per event of these names, in the commit's order. */
  readonly reactions?: { readonly [E in DurableEventName]?: Reaction<E> };
  /** After a commit's events went out and this feature's reactions ran: the commit as a whole. */
  afterCommit?(effects: OpEffects): void;
  /**
   * After a request was answered `ok` (the requester has its response): only here are the
   * requester and its scopes known, e.g. for the Autopilot to answer a message with at most
   * its sender's scopes.
   */
  readonly answered?: { readonly [M in MethodName]?: (answer: Answered<M>) => void };
  /** Its scheduled callbacks, by the names stored in their schedule rows (the room lists every name). */
  readonly schedules?: { readonly [name: string]: () => unknown };
  /** Once per object lifetime, before any socket, alarm or request is handled (in the features' order). */
  start?(): void | Promise<void>;
}
