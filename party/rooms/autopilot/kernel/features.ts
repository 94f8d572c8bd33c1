import type { DurableObjectCapability } from "agents/lifecycle";
import type { ClientSocket } from "../../shared/connection-state";
import type { Principal } from "../../../../shared/protocol/principal";
import type { HelloInput } from "./connections/hello";
import type { ChatStream } from "../../../../shared/protocol/gateway";
import type { ThreadBump } from "../../../../shared/protocol/interest";
import type {
  AnyFeatureDefinition,
  BuiltFeature,
  ClaimApprovedCall,
  Feature,
  FeatureDefinition,
  SnapshotPart,
} from "./feature";
import { offeredBy } from "./feature";
import type { RoomServices } from "./services";
import { RoomError } from "../../../domain/errors";

/**
 * The features in the order they are built and hear of commits: each after every feature it
 * needs, and otherwise by name, so nothing depends on where a feature stands in its list. A
 * need that is not in the list, two features of one name, or a cycle is a wiring mistake the
 * room refuses to start with.
 */
export function orderFeatures(definitions: readonly AnyFeatureDefinition[]): AnyFeatureDefinition[] {
  const byName = new Map<string, AnyFeatureDefinition>();
  for (const d of definitions) {
    if (byName.has(d.name)) throw new Error(`two features are named ${d.name}`);
    byName.set(d.name, d);
  }
  for (const d of definitions)
    for (const need of d.needs)
      if (byName.get(need.name) !== need)
        throw new Error(`feature ${d.name} needs ${need.name}, which is not installed`);
  const ordered: AnyFeatureDefinition[] = [];
  const placed = new Set<string>();
  const remaining = [...definitions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  while (remaining.length > 0) {
    const ready = remaining.findIndex((d) => d.needs.every((need) => placed.has(need.name)));
    if (ready < 0) throw new Error(`the features ${remaining.map((d) => d.name).join(", ")} need each other`);
    const [next] = remaining.splice(ready, 1);
    ordered.push(next!);
    placed.add(next!.name);
  }
  return ordered;
}

/** The names of every scheduled callback the features declare (the room's scheduler is made with them). */
export function scheduleNames(definitions: readonly AnyFeatureDefinition[]): string[] {
  const names = new Map<string, string>();
  for (const d of definitions)
    for (const name of d.schedules) {
      const other = names.get(name);
      if (other) throw new Error(`the schedule ${name} is declared by two features: ${other} and ${d.name}`);
      names.set(name, d.name);
    }
  return [...names.keys()];
}

/** The room's RPC surface: every feature's part of it. */
export type RpcOf<Definitions extends readonly AnyFeatureDefinition[]> = UnionToIntersection<
  Definitions[number] extends infer D ? (D extends FeatureDefinition<string, unknown, infer Rpc> ? Rpc : never) : never
>;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The features as built on the kernel's services, with what the kernel takes from them. */
export interface BuiltFeatures<Rpc> {
  /** In the order the after-commit bus calls them. */
  readonly list: readonly Feature[];
  /** The claim of a call's approval, from the one feature that files such approvals (none: dispatch refuses every such call). */
  readonly claimApprovedCall: ClaimApprovedCall | undefined;
  readonly rpc: Rpc;
  /**
   * One of the features' RPC by its name, as the room's one entry takes it over the wire:
   * a name no feature gives (or one of an object's own, like `constructor`) is refused.
   */
  call(name: string, args: readonly unknown[]): unknown;
  /** What a hello to `principal` carries besides the room's state. */
  hello(principal: Principal): Pick<HelloInput, "live" | "agent" | "streamBytes" | "reads">;
  /** The features' collections of a hello's snapshot. */
  snapshot(): SnapshotPart;
  /** Every reply streaming now. */
  streams(): ChatStream[];
  /** How a thread stands, for a bump (null: no feature knows it). */
  bump(threadId: string): ThreadBump | null;
  joined(conn: ClientSocket, principal: Principal, request: Request): void;
  readonly capabilities: readonly DurableObjectCapability[];
}

/**
 * Builds each feature on the kernel's services, in order, giving it the APIs of the features
 * it needs and what every feature offers in a slot (`FeatureOffers`); the RPC surface is the features' parts put together, each part given by one
 * feature only.
 */
export function buildFeatures<const Definitions extends readonly AnyFeatureDefinition[]>(
  definitions: Definitions,
  services: RoomServices,
): BuiltFeatures<RpcOf<Definitions>> {
  const apis: Record<string, unknown> = {};
  const built: [string, BuiltFeature<unknown, object>][] = [];
  const offered = offeredBy(definitions);
  for (const d of orderFeatures(definitions)) {
    const needs = Object.fromEntries(d.needs.map((need) => [need.name, apis[need.name]]));
    const feature = d.build(services, needs, offered) as BuiltFeature<unknown, object>;
    const declared = new Set(d.schedules);
    for (const name of Object.keys(feature.schedules ?? {}))
      if (!declared.delete(name)) throw new Error(`feature ${d.name} runs the schedule ${name} it does not declare`);
    if (declared.size > 0) throw new Error(`feature ${d.name} declares ${[...declared].join(", ")} but runs none`);
    apis[d.name] = feature.api;
    built.push([d.name, feature]);
  }
  const claims = built.filter(([, f]) => f.claimApprovedCall);
  if (claims.length > 1)
    throw new Error(`claimApprovedCall is given by two features: ${claims.map(([name]) => name).join(" and ")}`);
  const claimApprovedCall = claims[0]?.[1].claimApprovedCall;
  const rpc = joinParts(built, (f) => f.rpc, "rpc") as RpcOf<Definitions>;
  const streams = () => built.flatMap(([, f]) => f.streams?.() ?? []);
  return {
    list: built.map(([name, f]) => ({ ...f, name })),
    claimApprovedCall,
    rpc,
    call: (name, args) => {
      const entries = rpc as Record<string, unknown>;
      const entry = typeof name === "string" && Object.hasOwn(entries, name) ? entries[name] : null;
      if (typeof entry !== "function")
        throw new RoomError("unknown_method", `the room has no RPC named ${JSON.stringify(String(name).slice(0, 64))}`);
      return (entry as (...args: unknown[]) => unknown).apply(entries, [...args]);
    },
    hello: (principal) => {
      const parts = built.flatMap(([, f]) => (f.hello ? [f.hello(principal)] : []));
      const one = <K extends "sessions" | "agent" | "reads" | "streamBytes">(key: K) =>
        parts.find((part) => part[key] !== undefined)?.[key];
      return {
        live: { streams: streams(), sessions: one("sessions") ?? [] },
        agent: one("agent"),
        reads: one("reads") ?? [],
        streamBytes: one("streamBytes"),
      } as Pick<HelloInput, "live" | "agent" | "streamBytes" | "reads">;
    },
    snapshot: () => {
      const parts = built.flatMap(([name, f]) => (f.snapshot ? [[name, f.snapshot()] as const] : []));
      const collections = joinParts(parts, ({ more: _, ...rest }) => rest, "snapshot");
      return { ...collections, more: joinParts(parts, (part) => part.more, "snapshot.more") } as SnapshotPart;
    },
    streams,
    bump: (threadId) => {
      for (const [, f] of built) {
        const part = f.bump?.(threadId);
        if (part)
          return {
            ...part,
            streams: streams()
              .filter((stream) => stream.threadId === threadId)
              .map(bumpStream),
          };
      }
      return null;
    },
    joined: (conn, principal, request) => {
      for (const [, f] of built) f.joined?.(conn, principal, request);
    },
    capabilities: built.flatMap(([, f]) => f.capabilities ?? []),
  };
}

/** A stream as a bump tells it: that it runs, not what it said. */
const bumpStream = ({ runId, instanceId, startedAt }: ChatStream) => ({ runId, instanceId, startedAt });

/** The features' parts of one object, each key from one feature only. */
function joinParts<T>(
  built: readonly (readonly [string, T])[],
  part: (f: T) => object | undefined,
  what: string,
): Record<string, unknown> {
  const joined: Record<string, unknown> = {};
  const owner: Record<string, string> = {};
  for (const [name, f] of built)
    for (const [key, value] of Object.entries(part(f) ?? {})) {
      if (key in owner) throw new Error(`${what}.${key} is given by two features: ${owner[key]} and ${name}`);
      owner[key] = name;
      joined[key] = value;
    }
  return joined;
}
