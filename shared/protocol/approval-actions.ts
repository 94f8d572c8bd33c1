// The capabilities that let an instance approval's action be an operation older clients do not
// know (a skill's, a gateway tool's run, a config change): a socket that did not ask gets every
// approval of those operations without its action, a plain approval it can still read and
// decide. Each such capability differs only in its operations, its name and words, and the
// methods of its own that answer with such an approval.
import { WITH_APPROVALS } from "./chat-platforms";
import type { InstanceOperation } from "./instances";

type Obj = Record<string, unknown>;
/** An approval: the one object with a `status`, a `risk` and a `requestedBy`. */
const isApproval = (value: Obj): boolean => "status" in value && "risk" in value && "requestedBy" in value;
const isActionOf =
  (operations: ReadonlySet<InstanceOperation>) =>
  (action: unknown): boolean => {
    const a = action as Obj | null;
    return (
      typeof a === "object" && a !== null && a.kind === "instance" && operations.has(a.operation as InstanceOperation)
    );
  };

/** `value` with the action of every approval of one of `operations` left out, however deep. */
export function withoutActionsOf(operations: ReadonlySet<InstanceOperation>): (value: unknown) => unknown {
  const isDropped = isActionOf(operations);
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Obj;
    const drop = isApproval(obj) && isDropped(obj.action);
    const out: Obj = {};
    for (const [key, inner] of Object.entries(obj)) {
      if (drop && key === "action") continue;
      out[key] = walk(inner);
    }
    return out;
  };
  return walk;
}

/** Where every approval's action travels, as the schema lock names the paths: what a new kind of action claims. */
export const APPROVAL_ACTIONS: readonly string[] = WITH_APPROVALS.map(
  ([kind, name, at]) => `${kind}.${name}.${at}.action`,
);

/**
 * A capability (capabilities.ts's `Capability`) converting every event and result that carries
 * an approval, and `ownResults` (its methods' results that answer with one), through `convert`.
 */
export function approvalActionCapability(entry: {
  name: string;
  since: number;
  summary: string;
  adds: readonly string[];
  convert: (value: unknown) => unknown;
  ownResults?: readonly string[];
}) {
  const convert = entry.convert as (payload: never) => unknown;
  const table = (kind: "events" | "results") =>
    Object.fromEntries(
      WITH_APPROVALS.filter((approval) => approval[0] === kind).map((approval) => [approval[1], convert]),
    );
  return {
    name: entry.name,
    since: entry.since,
    summary: entry.summary,
    adds: entry.adds,
    events: table("events"),
    results: {
      ...table("results"),
      ...Object.fromEntries((entry.ownResults ?? []).map((method) => [method, convert])),
    },
  };
}
