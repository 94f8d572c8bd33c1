/**
 * How schema-diff.ts reads one JSON Schema node as zod's toJSONSchema writes it: a union
 * (anyOf, oneOf, a `type` list) as its members with `null` taken apart, literal unions as one
 * enum, and each member of a union named so the same member is found on both sides.
 */

export type Json = Record<string, unknown>;
/** JSON keys from a description's root to a node. */
export type Keys = (string | number)[];

/** Lower bounds (a smaller value lets more through) and upper bounds. */
export const BOUNDS: [string, boolean][] = [
  ["minLength", true],
  ["minimum", true],
  ["exclusiveMinimum", true],
  ["minItems", true],
  ["minProperties", true],
  ["maxLength", false],
  ["maximum", false],
  ["exclusiveMaximum", false],
  ["maxItems", false],
  ["maxProperties", false],
];

export interface Member {
  schema: Json;
  /** Keys from the node the union was found at to this member. */
  at: Keys;
}

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
export const list = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(", ");
/** Annotations that say nothing about what is valid. */
export const strip = (node: unknown): unknown => {
  if (!isObject(node)) return node;
  const { $schema: _s, description: _d, title: _t, examples: _e, ...rest } = node;
  return rest;
};

export function allowed(s: Json): unknown[] | undefined {
  if (Object.hasOwn(s, "const")) return [s.const];
  return Array.isArray(s.enum) ? s.enum : undefined;
}

/** A node's members: the alternatives of its anyOf/oneOf and of a `type` list, with `null` taken apart. */
export function variants(node: unknown): { nullable: boolean; members: Member[] } {
  const members: Member[] = [];
  let nullable = false;
  const walk = (n: unknown, at: Keys) => {
    if (!isObject(n)) {
      members.push({ schema: n === false ? { not: {} } : {}, at });
      return;
    }
    const union = (n.anyOf ?? n.oneOf) as unknown[] | undefined;
    if (Array.isArray(union)) {
      const key = n.anyOf ? "anyOf" : "oneOf";
      for (const [i, m] of union.entries()) walk(m, [...at, key, i]);
      return;
    }
    if (Array.isArray(n.type)) {
      for (const t of n.type as string[]) {
        if (t === "null") nullable = true;
        else members.push({ schema: { ...n, type: t }, at });
      }
      return;
    }
    if (n.type === "null" || (allowed(n)?.length === 1 && allowed(n)![0] === null)) {
      nullable = true;
      return;
    }
    const values = allowed(n);
    if (values?.includes(null)) {
      nullable = true;
      members.push({ schema: { ...n, enum: values.filter((v) => v !== null), const: undefined }, at });
      return;
    }
    members.push({ schema: n, at });
  };
  walk(node, []);
  return { nullable, members: mergeValues(members) };
}

/** Members that are only values of one type (`z.union([z.literal("a"), z.literal("b")])`) are one enum. */
function mergeValues(members: Member[]): Member[] {
  const out: Member[] = [];
  const byType = new Map<string, Member>();
  for (const m of members) {
    const values = allowed(m.schema);
    const onlyValues = values && Object.keys(m.schema).every((k) => ["type", "enum", "const"].includes(k));
    if (!onlyValues || members.length === 1) {
      out.push(m);
      continue;
    }
    const type = String(m.schema.type ?? typeof values[0]);
    const known = byType.get(type);
    if (known) known.schema = { type: m.schema.type, enum: [...allowed(known.schema)!, ...values] };
    else {
      // The merged member stands for the union node itself.
      const merged = { schema: { type: m.schema.type, enum: [...values] }, at: m.at.slice(0, -2) };
      byType.set(type, merged);
      out.push(merged);
    }
  }
  return out.map((m) => (m.schema.type === undefined ? { ...m, schema: withoutUndefined(m.schema) } : m));
}

const withoutUndefined = (s: Json): Json => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));

/** A stable name for each member: its discriminator's value, else its type, else its place. */
export function keyMembers(members: Member[]): (Member & { key: string })[] {
  const objects = members.filter((m) => m.schema.type === "object" && isObject(m.schema.properties));
  const fixedValue = (m: Member, name: string): string | undefined => {
    const p = (m.schema.properties as Json)[name];
    const values = isObject(p) ? allowed(p) : undefined;
    if (values?.length !== 1) return undefined;
    return typeof values[0] === "string" ? values[0] : JSON.stringify(values[0]);
  };
  // The property every object member fixes to a value of its own.
  const discriminator =
    objects.length > 1
      ? Object.keys((objects[0]!.schema.properties ?? {}) as Json).find((name) => {
          const values = objects.map((m) => fixedValue(m, name));
          return values.every((v) => v !== undefined) && new Set(values).size === values.length;
        })
      : undefined;
  const counts = new Map<string, number>();
  return members.map((m) => {
    const key =
      discriminator && objects.includes(m)
        ? fixedValue(m, discriminator)!
        : String(m.schema.type ?? (allowed(m.schema) ? "enum" : "any"));
    const n = counts.get(key) ?? 0;
    counts.set(key, n + 1);
    return { ...m, key: n === 0 ? key : `${key}${n}` };
  });
}
