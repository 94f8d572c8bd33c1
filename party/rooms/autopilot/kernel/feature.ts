import type {
  DurableEvent,
  DurableEventName,
  EphemeralEventName,
  EventPayload,
  WrittenPayload,
} from "../../../../shared/protocol/events";
import type { MethodName, MethodResult } from "../../../../shared/protocol/methods";
import type { Actor, Principal } from "../../../../shared/protocol/principal";
import type { OpEffects } from "./commit";
import type { DurableObjectCapability } from "agents/lifecycle";
import type { ClientSocket } from "../../shared/connection-state";
import type { HelloPayload, Snapshot } from "../../../../shared/protocol/hello";
import type { ChatStream } from "../../../../shared/protocol/gateway";
import type { ThreadBump } from "../../../../shared/protocol/interest";
import type { Methods } from "./handlers";
import type { RoomServices } from "./services";

/**
 * The names of the room's entries, by which a request says where it came from. The kernel's
 * own is a client's socket; every other entry (an MCP session, the Autopilot's tools, a
 * schedule, a decision link, a chat platform, a spending allowance) is named by the feature
 * that makes it, in its own folder (`declare module` onto this interface, one key per name,
 * as `RoomNews`), so the kernel names none of them.
 */
export interface RoomVias {
  socket: true;
}

/**
 * What a feature offers the features that gather it, by slot: a kind of thing one feature
 * reads and others add to (a chat platform for the chats feature). Empty here: the feature
 * that reads a slot declares it, by its name and type, in its own folder (`declare module`
 * onto this interface, as `RoomNews`), so the kernel names none of them.
 */
// biome-ignore lint/suspicious/noEmptyInterface: the features' slots are merged into it
export interface FeatureOffers {}

/** Every feature's offer in `slot`, in the features' list order (those that offer none left out). */
export type Offered = <K extends keyof FeatureOffers>(slot: K) => FeatureOffers[K][];

/** What `definitions` offer: the room's `Offered`, and the Worker's (which reads a slot without a room). */
export const offeredBy =
  (definitions: readonly AnyFeatureDefinition[]): Offered =>
  (slot) =>
    definitions.flatMap((d) => {
      const offer = (d.offers as Partial<FeatureOffers>)[slot];
      return offer === undefined ? [] : [offer];
    });

/** Where a request came from: an entry's name (`RoomVias`). */
export type Via = keyof RoomVias;

/**
 * Lets `principal` run this call on the approval a person granted for exactly it, or throws
 * why not; `answeredBefore`: a repeat of a call that answered claims nothing.
 */
export type ClaimApprovedCall = (
  approvalId: string,
  principal: Principal,
  method: MethodName,
  params: Record<string, unknown>,
  answeredBefore: () => boolean,
) => Promise<void>;

/** A reaction to one durable event, after the commit that wrote it went out to every client. */
export type Reaction<E extends DurableEventName> = (payload: WrittenPayload<E>, event: DurableEvent<E>) => void;

/**
 * The room's news: what a commit tells the room's features besides its durable events, which
 * no client receives and no log keeps (the workspace's money changed, its alerts changed).
 * Empty here: the feature that tells a news item declares it, by its name and payload, in its
 * own folder (`declare module` onto this interface), so the kernel names none of them.
 */
// biome-ignore lint/suspicious/noEmptyInterface: the features' news items are merged into it
export interface RoomNews {}

/** A news item's name: never a durable event's, so a feature's reactions name each once. */
export type NewsName = Exclude<keyof RoomNews, DurableEventName>;

/** A news item as a commit told it. */
export type News<N extends NewsName = NewsName> = { [K in N]: { news: K; payload: RoomNews[K] } }[N];

/** A reaction to one news item, after every commit that told it in its burst went out (kernel/commit.ts). */
export type NewsReaction<N extends NewsName> = (payload: RoomNews[N]) => void;

/** A request that was answered `ok`: who asked, through what, and the answer's payload. */
export interface Answered<M extends MethodName = MethodName> {
  method: M;
  principal: Principal;
  via: Via;
  /** Whom the requester acted for (a tool's run, a guest's words in a bound chat), when not itself. */
  onBehalfOf?: Actor;
  payload: MethodResult<M>;
}

/**
 * One capability of the Autopilot room (the `agents` capability and Hocuspocus extension
 * pattern), as the kernel runs it: its methods, what it does after each commit, by event or
 * for the commit as a whole, and after a request it cares about was answered, its schedules
 * and its start. A feature is defined with `defineFeature` and built by the kernel
 * (kernel/features.ts), which knows none of them by name.
 */
export interface Feature {
  readonly name: string;
  /** The registry methods this feature answers (shared/protocol/methods.ts), each with its handler. */
  readonly methods?: Methods;
  /**
   * After a commit's events went out: one call per event of these names, in the commit's order;
   * and once per news item of these names told in a burst of commits, after the burst (CommitBus).
   */
  readonly reactions?: { readonly [E in DurableEventName]?: Reaction<E> } & {
    readonly [N in NewsName]?: NewsReaction<N>;
  };
  /** After a commit's events went out and this feature's reactions ran: the commit as a whole. */
  afterCommit?(effects: OpEffects): void;
  /**
   * After an ephemeral event was broadcast to every socket (`RoomServices.broadcast`): e.g. a
   * reply's stream (`chat.delta`), which no commit carries.
   */
  readonly heard?: { readonly [E in EphemeralEventName]?: (payload: EventPayload<E>) => void };
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

/** What a hello carries of a feature's live state (kernel/features.ts merges them). */
export interface HelloPart {
  sessions?: NonNullable<HelloPayload["live"]>["sessions"];
  agent?: HelloPayload["agent"];
  reads?: HelloPayload["reads"];
  /** What `live.streams` may carry in all. */
  streamBytes?: number;
}

/** A feature's collections in a hello's snapshot, and what it left out of each (`more`). */
export type SnapshotPart = Partial<Omit<Snapshot, "more">> & { more?: Partial<Snapshot["more"]> };

/** What a feature's `build` returns: how the kernel runs it, and what it offers the room and other features. */
export interface BuiltFeature<Api = undefined, Rpc extends object = object> extends Omit<Feature, "name"> {
  /** What the features that declare this one in `needs` get of it (its index.ts API at run time). */
  readonly api?: Api;
  /** Its part of the room's RPC surface (the Worker's, the Hatchery's, the relay's calls; room.ts). */
  readonly rpc?: Rpc;
  /**
   * For a feature that files approvals for exactly one call (MCP's gated calls): dispatch runs
   * a request that carries `approvedCall` only once this claimed it (one feature gives it).
   */
  readonly claimApprovedCall?: ClaimApprovedCall;
  /** Its part of a hello to `principal`. */
  hello?(principal: Principal): HelloPart;
  /** Its replies streaming now (every feature's add up: a hello's `live.streams`, threads.view). */
  streams?(): ChatStream[];
  /** Its part of how a thread stands for a bump (kernel/connections/interest.ts); undefined: not its thread. */
  bump?(threadId: string): Omit<ThreadBump, "streams"> | undefined;
  /** Its collections in a hello's snapshot (a fresh connect or a reset), each within its budget. */
  snapshot?(): SnapshotPart;
  /** A socket was admitted and greeted. */
  joined?(conn: ClientSocket, principal: Principal, request: Request): void;
  /** Its own capabilities for the lifecycle (MCP's sessions). */
  readonly capabilities?: readonly DurableObjectCapability[];
}

// biome-ignore lint/suspicious/noExplicitAny: any definition, whatever its API and RPC
export type AnyFeatureDefinition = FeatureDefinition<string, any, any>;

/** The APIs a feature's `needs` give its `build`, by the needed features' names. */
export type NeedsApi<Needs extends readonly AnyFeatureDefinition[]> = {
  [D in Needs[number] as D["name"]]: D extends FeatureDefinition<string, infer Api, object> ? Api : never;
};

/**
 * A feature of the Autopilot room: its name, the features it needs (built before it, and
 * before it on the after-commit bus: the kernel orders by them, never by the list's order),
 * the names of its scheduled callbacks (stored in schedule rows: the room's scheduler is made
 * with every feature's), and how it builds itself from the kernel's services and the APIs of
 * what it needs.
 */
export interface FeatureDefinition<Name extends string = string, Api = unknown, Rpc extends object = object> {
  readonly name: Name;
  readonly needs: readonly AnyFeatureDefinition[];
  readonly schedules: readonly string[];
  /** What it offers in other features' slots (`FeatureOffers`). */
  readonly offers: Partial<FeatureOffers>;
  build(services: RoomServices, needs: Record<string, unknown>, offered: Offered): BuiltFeature<Api, Rpc>;
}

export function defineFeature<
  const Name extends string,
  const Needs extends readonly AnyFeatureDefinition[] = [],
  Api = undefined,
  Rpc extends object = object,
>(definition: {
  name: Name;
  needs?: Needs;
  schedules?: readonly string[];
  offers?: Partial<FeatureOffers>;
  build(services: RoomServices, needs: NeedsApi<Needs>, offered: Offered): BuiltFeature<Api, Rpc>;
}): FeatureDefinition<Name, Api, Rpc> {
  return {
    name: definition.name,
    needs: definition.needs ?? [],
    schedules: definition.schedules ?? [],
    offers: definition.offers ?? {},
    build: (services, needs, offered) => definition.build(services, needs as NeedsApi<Needs>, offered),
  };
}
