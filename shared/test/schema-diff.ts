/**
 * What changed between two descriptions of the protocol (`protocolDescription()`, or the wire
 * schemas of `wireSchemas()` in the same frame), and whether each change is additive (every
 * client already out there keeps working) or changes the meaning (a version bump). The lock
 * (protocol-version.test.ts) diffs the current version's recorded baseline against the code.
 *
 * Paths name where a change is: `methods.<name>` and `events.<name>` for a whole method or
 * event, `params.<method>.<prop path>`, `results.<method>.<prop path>`,
 * `events.<name>.<prop path>` and `frames.<req|res|event|error>.<prop path>` inside one.
 * Property names are joined by dots; an array's items are `[]` (a tuple's `[0]`), a record's
 * values `{}`; a union's member is `|<discriminator value>` (`action|spend.granted`), or
 * `|<type>` / `|<index>` when the members have no common discriminator. `X | null` is X.
 *
 * How a change is classed (docs/protocol.md#how-the-protocol-grows). "out" is what the
 * server sends (events, results), "in" what a client sends (params); a capability is needed
 * where an older client's parse would fail on the new thing, so only sockets that asked get it.
 *
 * | kind                    | out (events, results)   | in (params)       | frames (req in, others out) |
 * |-------------------------|-------------------------|-------------------|-----------------------------|
 * | method-added            | additive                                                                  |
 * | event-added             | additive, capability                                                      |
 * | method-/event-removed   | breaking                                                                  |
 * | scope-/mutating-changed | breaking                                                                  |
 * | property-added-optional | additive                | additive          | additive                    |
 * | property-added-required | additive                | breaking          | breaking                    |
 * | property-made-required  | additive                | breaking          | breaking                    |
 * | property-made-optional  | breaking                | additive          | breaking                    |
 * | property-removed        | breaking                | breaking          | breaking                    |
 * | enum-value-added        | additive, capability    | additive          | additive (capability if out) |
 * | member-added (union)    | additive, capability    | additive          | breaking                    |
 * | type-widened            | additive, capability    | additive          | breaking                    |
 * | constraint-loosened     | additive, capability    | additive          | breaking                    |
 * | constraint-tightened    | additive                | breaking          | breaking                    |
 * | enum-value-removed, member-removed, type-narrowed, type-changed, constraint-changed,      |
 * | default-changed         | breaking                | breaking          | breaking                    |
 *
 * A new property needs no capability because every client takes an object with keys it does
 * not know (zod objects strip them). Taken away, or made optional where a client relied on it,
 * something changes its meaning; widened where an older client parses it, its parse fails.
 */

import {
  allowed,
  BOUNDS,
  isObject,
  type Json,
  type Keys,
  keyMembers,
  list,
  type Member,
  strip,
  variants,
} from "./schema-members";

export type ChangeKind =
  | "method-added"
  | "method-removed"
  | "event-added"
  | "event-removed"
  | "scope-changed"
  | "mutating-changed"
  | "property-added-optional"
  | "property-added-required"
  | "property-removed"
  | "property-made-optional"
  | "property-made-required"
  | "enum-value-added"
  | "enum-value-removed"
  | "member-added"
  | "member-removed"
  | "type-widened"
  | "type-narrowed"
  | "type-changed"
  | "constraint-loosened"
  | "constraint-tightened"
  | "constraint-changed"
  | "default-changed";

export interface SchemaChange {
  path: string;
  kind: ChangeKind;
  additive: boolean;
  needsCapability: boolean;
  detail: string;
  /** Where in each description the changed schema node is (JSON keys from the root), for a record that leaves it out. */
  at: At;
}

/** Where a change is in each description. */
type At = { before: Keys; after: Keys };
/** Each side's whole schema, where its `$ref`s point. */
type Roots = { before: unknown; after: unknown };
const inside = (at: At, ...keys: Keys): At => ({ before: [...at.before, ...keys], after: [...at.after, ...keys] });

/** Who sends the schema: the server (out), a client (in), or a frame either way. */
type Side = "out" | "in" | "frame-out" | "frame-in";

export interface Description {
  frames?: Record<string, unknown>;
  methods?: Record<string, { scope?: unknown; mutating?: unknown; params?: unknown; result?: unknown }>;
  events?: Record<string, unknown>;
}

const CLASS: Record<ChangeKind, Record<"out" | "in" | "frame", "additive" | "capability" | "breaking">> = (() => {
  const row = (out: string, inn: string, frame: string) =>
    ({ out, in: inn, frame }) as Record<"out" | "in" | "frame", "additive" | "capability" | "breaking">;
  const all = (c: string) => row(c, c, c);
  return {
    "method-added": all("additive"),
    "event-added": all("capability"),
    "method-removed": all("breaking"),
    "event-removed": all("breaking"),
    "scope-changed": all("breaking"),
    "mutating-changed": all("breaking"),
    "property-added-optional": all("additive"),
    "property-added-required": row("additive", "breaking", "breaking"),
    "property-made-required": row("additive", "breaking", "breaking"),
    "property-made-optional": row("breaking", "additive", "breaking"),
    "property-removed": all("breaking"),
    "enum-value-added": row("capability", "additive", "capability"),
    "member-added": row("capability", "additive", "breaking"),
    "type-widened": row("capability", "additive", "breaking"),
    "constraint-loosened": row("capability", "additive", "breaking"),
    "constraint-tightened": row("additive", "breaking", "breaking"),
    "enum-value-removed": all("breaking"),
    "member-removed": all("breaking"),
    "type-narrowed": all("breaking"),
    "type-changed": all("breaking"),
    "constraint-changed": all("breaking"),
    "default-changed": all("breaking"),
  };
})();

function classify(kind: ChangeKind, side: Side): { additive: boolean; needsCapability: boolean } {
  const column = side === "out" || side === "in" ? side : "frame";
  let c = CLASS[kind][column];
  // A client never receives what it sends: a value a request frame gains needs no capability.
  if (c === "capability" && side === "frame-in") c = "additive";
  return { additive: c !== "breaking", needsCapability: c === "capability" };
}

class Differ {
  readonly changes: SchemaChange[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly side: Side) {}

  add(kind: ChangeKind, path: string, detail: string, at: At) {
    this.changes.push({ path, kind, ...classify(kind, this.side), detail, at });
  }

  /** The node a `$ref` names (`#/$defs/X` or `#`), in the schema it was found in. */
  private resolve(node: unknown, root: unknown): unknown {
    let n = node;
    for (let hops = 0; isObject(n) && typeof n.$ref === "string" && hops < 32; hops++) {
      const ref = n.$ref;
      if (!ref.startsWith("#")) return n;
      n = ref
        .slice(1)
        .split("/")
        .filter(Boolean)
        .reduce<unknown>(
          (at, key) => (isObject(at) ? at[key.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined),
          root,
        );
    }
    return n;
  }

  compare(rawBefore: unknown, rawAfter: unknown, path: string, at: At, schemaRoots: Roots) {
    const before = this.resolve(rawBefore, schemaRoots.before);
    const after = this.resolve(rawAfter, schemaRoots.after);
    // A recursive schema ($ref to itself) compares each pair of definitions once.
    if (isObject(rawBefore) && isObject(rawAfter) && typeof rawBefore.$ref === "string") {
      const key = `${rawBefore.$ref}\u0000${String(rawAfter.$ref)}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    if (JSON.stringify(strip(before)) === JSON.stringify(strip(after))) return;
    const b = variants(before);
    const a = variants(after);
    if (b.nullable !== a.nullable) {
      if (a.nullable) this.add("type-widened", path, "may now be null", at);
      else this.add("type-narrowed", path, "may no longer be null", at);
    }
    if (isObject(before) && isObject(after) && JSON.stringify(before.default) !== JSON.stringify(after.default))
      this.add(
        "default-changed",
        path,
        `default ${JSON.stringify(before.default)} → ${JSON.stringify(after.default)}`,
        at,
      );
    if (b.members.length === 1 && a.members.length === 1) {
      const [mb, ma] = [b.members[0]!, a.members[0]!];
      this.single(mb, ma, path, { before: [...at.before, ...mb.at], after: [...at.after, ...ma.at] }, schemaRoots);
      return;
    }
    const keyed = (members: Member[]) => new Map(keyMembers(members).map((m) => [m.key, m]));
    const [kb, ka] = [keyed(b.members), keyed(a.members)];
    // A member added or removed is located at the union itself.
    for (const k of ka.keys()) if (!kb.has(k)) this.add("member-added", `${path}|${k}`, `a new member ${k}`, at);
    for (const k of kb.keys()) if (!ka.has(k)) this.add("member-removed", `${path}|${k}`, `member ${k} removed`, at);
    for (const [k, mb] of kb) {
      const ma = ka.get(k);
      if (ma)
        this.single(
          mb,
          ma,
          `${path}|${k}`,
          { before: [...at.before, ...mb.at], after: [...at.after, ...ma.at] },
          schemaRoots,
        );
    }
  }

  private single(b: Member, a: Member, path: string, at: At, roots: Roots) {
    const [sb, sa] = [b.schema, a.schema];
    const [tb, ta] = [sb.type as string | undefined, sa.type as string | undefined];
    if (tb !== ta) {
      if (tb === undefined && sb.enum === undefined && sb.const === undefined)
        this.add("type-narrowed", path, `any value → ${ta}`, at);
      else if (ta === undefined && sa.enum === undefined && sa.const === undefined)
        this.add("type-widened", path, `${tb} → any value`, at);
      else if (tb === "integer" && ta === "number") this.add("type-widened", path, "integer → number", at);
      else if (tb === "number" && ta === "integer") this.add("type-narrowed", path, "number → integer", at);
      else this.add("type-changed", path, `${tb ?? "enum"} → ${ta ?? "enum"}`, at);
      if (tb !== undefined && ta !== undefined) return;
    }
    this.values(sb, sa, path, at);
    this.constraints(sb, sa, path, at);
    if (ta === "object" || sa.properties || sb.properties) this.object(sb, sa, path, at, roots);
    if (ta === "array" || sa.items !== undefined || sb.items !== undefined) this.array(sb, sa, path, at, roots);
  }

  private values(sb: Json, sa: Json, path: string, at: At) {
    const [vb, va] = [allowed(sb), allowed(sa)];
    if (!vb && !va) return;
    if (vb && !va) return this.add("type-widened", path, `no longer only ${list(vb)}`, at);
    if (!vb && va) return this.add("type-narrowed", path, `now only ${list(va!)}`, at);
    const [sbv, sav] = [new Set(vb!.map((v) => JSON.stringify(v))), new Set(va!.map((v) => JSON.stringify(v)))];
    for (const v of sav) if (!sbv.has(v)) this.add("enum-value-added", path, `value ${v} added`, at);
    for (const v of sbv) if (!sav.has(v)) this.add("enum-value-removed", path, `value ${v} removed`, at);
  }

  private constraints(sb: Json, sa: Json, path: string, at: At) {
    for (const [name, lower] of BOUNDS) {
      const [x, y] = [sb[name] as number | undefined, sa[name] as number | undefined];
      if (x === y) continue;
      // A bound gone, or moved outwards, lets more values through.
      const looser = y === undefined || (x !== undefined && (lower ? y < x : y > x));
      this.add(
        looser ? "constraint-loosened" : "constraint-tightened",
        path,
        `${name} ${x ?? "none"} → ${y ?? "none"}`,
        at,
      );
    }
    for (const name of ["pattern", "format", "multipleOf"] as const) {
      if (JSON.stringify(sb[name]) !== JSON.stringify(sa[name]))
        this.add("constraint-changed", path, `${name} ${String(sb[name])} → ${String(sa[name])}`, at);
    }
  }

  private object(sb: Json, sa: Json, path: string, at: At, roots: Roots) {
    const [pb, pa] = [(sb.properties ?? {}) as Json, (sa.properties ?? {}) as Json];
    const [rb, ra] = [new Set((sb.required ?? []) as string[]), new Set((sa.required ?? []) as string[])];
    const child = (name: string) => (path ? `${path}.${name}` : name);
    for (const name of Object.keys(pa)) {
      const where = [...at.after, "properties", name];
      if (!Object.hasOwn(pb, name))
        this.add(
          ra.has(name) ? "property-added-required" : "property-added-optional",
          child(name),
          `${ra.has(name) ? "required" : "optional"} property ${name} added`,
          { before: at.before, after: where },
        );
    }
    for (const name of Object.keys(pb)) {
      const where = [...at.before, "properties", name];
      if (!Object.hasOwn(pa, name)) {
        this.add("property-removed", child(name), `property ${name} removed`, { before: where, after: at.after });
        continue;
      }
      const nextAt = inside(at, "properties", name);
      if (rb.has(name) && !ra.has(name))
        this.add("property-made-optional", child(name), `${name} is no longer required`, nextAt);
      if (!rb.has(name) && ra.has(name))
        this.add("property-made-required", child(name), `${name} is now required`, nextAt);
      this.compare(pb[name], pa[name], child(name), nextAt, roots);
    }
    // A record's values (`additionalProperties: false` only says an object is closed: io "output").
    const [xb, xa] = [sb.additionalProperties, sa.additionalProperties];
    if (isObject(xb) || isObject(xa))
      this.compare(
        isObject(xb) ? xb : {},
        isObject(xa) ? xa : {},
        `${path}{}`,
        inside(at, "additionalProperties"),
        roots,
      );
    if (isObject(sb.propertyNames) || isObject(sa.propertyNames))
      this.compare(sb.propertyNames ?? {}, sa.propertyNames ?? {}, `${path}{key}`, inside(at, "propertyNames"), roots);
  }

  private array(sb: Json, sa: Json, path: string, at: At, roots: Roots) {
    const [tb, ta] = [sb.prefixItems as unknown[] | undefined, sa.prefixItems as unknown[] | undefined];
    if ((tb?.length ?? -1) !== (ta?.length ?? -1))
      return this.add("type-changed", path, "the tuple's length changed", at);
    for (const [i, item] of (tb ?? []).entries())
      this.compare(item, ta![i], `${path}[${i}]`, inside(at, "prefixItems", i), roots);
    const [ib, ia] = [sb.items, sa.items];
    if (ib === false || ia === false) {
      if (ib !== ia) this.add(ia === false ? "type-narrowed" : "type-widened", `${path}[]`, "items", at);
      return;
    }
    if (ib !== undefined || ia !== undefined) this.compare(ib ?? {}, ia ?? {}, `${path}[]`, inside(at, "items"), roots);
  }
}

/**
 * The changes from `before` to `after`, two `protocolDescription()`s (or wire schemas put in
 * the same frame: `{ events, methods: { name: { result } } }`).
 */
export function diffProtocol(before: Description, after: Description): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const run = (b: unknown, a: unknown, path: string, side: Side, at: Keys) => {
    const differ = new Differ(side);
    differ.compare(b, a, path, { before: at, after: at }, { before: b, after: a });
    changes.push(...differ.changes);
  };
  const named = (kind: ChangeKind, path: string, detail: string, side: Side, at: Keys) =>
    changes.push({ path, kind, ...classify(kind, side), detail, at: { before: at, after: at } });

  const [fb, fa] = [before.frames ?? {}, after.frames ?? {}];
  for (const name of new Set([...Object.keys(fb), ...Object.keys(fa)])) {
    const side: Side = name === "req" ? "frame-in" : "frame-out";
    if (!(name in fa)) named("property-removed", `frames.${name}`, `frame ${name} removed`, side, ["frames", name]);
    else if (!(name in fb)) named("type-changed", `frames.${name}`, `frame ${name} added`, side, ["frames", name]);
    else run(fb[name], fa[name], `frames.${name}`, side, ["frames", name]);
  }

  const [mb, ma] = [before.methods ?? {}, after.methods ?? {}];
  for (const name of Object.keys(ma))
    if (!Object.hasOwn(mb, name))
      named("method-added", `methods.${name}`, `method ${name} added`, "in", ["methods", name]);
  for (const [name, b] of Object.entries(mb)) {
    const a = ma[name];
    if (!a) {
      named("method-removed", `methods.${name}`, `method ${name} removed`, "in", ["methods", name]);
      continue;
    }
    if (JSON.stringify(b.scope) !== JSON.stringify(a.scope))
      named("scope-changed", `methods.${name}`, `scope ${String(b.scope)} → ${String(a.scope)}`, "in", [
        "methods",
        name,
      ]);
    if (b.mutating !== a.mutating)
      named("mutating-changed", `methods.${name}`, `mutating ${b.mutating} → ${a.mutating}`, "in", ["methods", name]);
    if (b.params !== undefined || a.params !== undefined)
      run(b.params ?? {}, a.params ?? {}, `params.${name}`, "in", ["methods", name, "params"]);
    if (b.result !== undefined || a.result !== undefined)
      run(b.result ?? {}, a.result ?? {}, `results.${name}`, "out", ["methods", name, "result"]);
  }

  const [eb, ea] = [before.events ?? {}, after.events ?? {}];
  for (const name of Object.keys(ea))
    if (!Object.hasOwn(eb, name))
      named("event-added", `events.${name}`, `event ${name} added`, "out", ["events", name]);
  for (const [name, b] of Object.entries(eb)) {
    if (!Object.hasOwn(ea, name))
      named("event-removed", `events.${name}`, `event ${name} removed`, "out", ["events", name]);
    else run(b, ea[name], `events.${name}`, "out", ["events", name]);
  }
  return changes;
}

/** Whether a capability's `adds` entry claims a change's path: the same path, or one inside it. */
export function claims(entry: string, path: string): boolean {
  if (path === entry) return true;
  if (!path.startsWith(entry)) return false;
  return ".[|{".includes(path[entry.length]!);
}
