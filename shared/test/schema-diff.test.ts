import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Description, diffProtocol } from "./schema-diff";

// Descriptions built the way fingerprint.ts builds them, from small schemas: each row of the
// table in schema-diff.ts, seen from the server's side (a result, an event) and a client's (params).
const json = (schema: z.ZodType) => z.toJSONSchema(schema, { unrepresentable: "any", io: "input" });
const method = (params: z.ZodType, result: z.ZodType, scope = "read", mutating = false) => ({
  scope,
  mutating,
  params: json(params),
  result: json(result),
});
const describeOf = (opts: {
  params?: z.ZodType;
  result?: z.ZodType;
  event?: z.ZodType;
  scope?: string;
  mutating?: boolean;
  extraMethod?: boolean;
  extraEvent?: boolean;
  error?: z.ZodType;
}): Description => ({
  frames: { error: json(opts.error ?? z.object({ code: z.enum(["a", "b"]), message: z.string() })) },
  methods: {
    "things.get": method(
      opts.params ?? z.object({ id: z.string() }),
      opts.result ?? z.object({ id: z.string() }),
      opts.scope,
      opts.mutating,
    ),
    ...(opts.extraMethod ? { "things.new": method(z.object({}), z.object({})) } : {}),
  },
  events: {
    "thing.changed": json(opts.event ?? z.object({ id: z.string() })),
    ...(opts.extraEvent ? { "thing.new": json(z.object({})) } : {}),
  },
});

/** The one change between two descriptions, without where it sits in the JSON. */
function only(before: Description, after: Description) {
  const changes = diffProtocol(before, after);
  expect(changes, JSON.stringify(changes, null, 1)).toHaveLength(1);
  const { at: _at, ...change } = changes[0]!;
  return change;
}
const additive = { additive: true, needsCapability: false };
const capability = { additive: true, needsCapability: true };
const breaking = { additive: false, needsCapability: false };

const Status = z.enum(["open", "closed"]);
const Wider = z.enum(["open", "closed", "snoozed"]);

describe("diffProtocol", () => {
  it("sees nothing when nothing changed", () => {
    expect(diffProtocol(describeOf({}), describeOf({}))).toEqual([]);
  });

  it("a new method is additive with no capability; a removed one breaks", () => {
    expect(only(describeOf({}), describeOf({ extraMethod: true }))).toMatchObject({
      path: "methods.things.new",
      kind: "method-added",
      ...additive,
    });
    expect(only(describeOf({ extraMethod: true }), describeOf({}))).toMatchObject({
      path: "methods.things.new",
      kind: "method-removed",
      ...breaking,
    });
  });

  it("a new event needs a capability; a removed one breaks", () => {
    expect(only(describeOf({}), describeOf({ extraEvent: true }))).toMatchObject({
      path: "events.thing.new",
      kind: "event-added",
      ...capability,
    });
    expect(only(describeOf({ extraEvent: true }), describeOf({}))).toMatchObject({
      kind: "event-removed",
      ...breaking,
    });
  });

  it("a method's scope or mutating changed breaks", () => {
    expect(only(describeOf({}), describeOf({ scope: "admin" }))).toMatchObject({
      path: "methods.things.get",
      kind: "scope-changed",
      ...breaking,
    });
    expect(only(describeOf({}), describeOf({ mutating: true }))).toMatchObject({
      kind: "mutating-changed",
      ...breaking,
    });
  });

  describe("what the server sends (results, events)", () => {
    const before = z.object({ id: z.string(), note: z.string().optional() });

    it("a new property, optional or required, is additive with no capability", () => {
      const optional = z.object({ id: z.string(), note: z.string().optional(), extra: z.number().optional() });
      expect(only(describeOf({ result: before }), describeOf({ result: optional }))).toMatchObject({
        path: "results.things.get.extra",
        kind: "property-added-optional",
        ...additive,
      });
      const required = z.object({ id: z.string(), note: z.string().optional(), extra: z.number() });
      expect(only(describeOf({ event: before }), describeOf({ event: required }))).toMatchObject({
        path: "events.thing.changed.extra",
        kind: "property-added-required",
        ...additive,
      });
    });

    it("a property removed, or made optional, breaks; made required is additive", () => {
      expect(only(describeOf({ result: before }), describeOf({ result: z.object({ id: z.string() }) }))).toMatchObject({
        path: "results.things.get.note",
        kind: "property-removed",
        ...breaking,
      });
      const idOptional = z.object({ id: z.string().optional(), note: z.string().optional() });
      expect(only(describeOf({ result: before }), describeOf({ result: idOptional }))).toMatchObject({
        path: "results.things.get.id",
        kind: "property-made-optional",
        ...breaking,
      });
      const noteRequired = z.object({ id: z.string(), note: z.string() });
      expect(only(describeOf({ result: before }), describeOf({ result: noteRequired }))).toMatchObject({
        path: "results.things.get.note",
        kind: "property-made-required",
        ...additive,
      });
    });

    it("a new enum value needs a capability, deep in arrays and nullable objects; a removed one breaks", () => {
      const shape = (status: z.ZodType) =>
        z.object({ things: z.array(z.object({ owner: z.object({ status }).nullable() })) });
      expect(only(describeOf({ event: shape(Status) }), describeOf({ event: shape(Wider) }))).toMatchObject({
        path: "events.thing.changed.things[].owner.status",
        kind: "enum-value-added",
        ...capability,
        detail: 'value "snoozed" added',
      });
      expect(only(describeOf({ event: shape(Wider) }), describeOf({ event: shape(Status) }))).toMatchObject({
        kind: "enum-value-removed",
        ...breaking,
      });
    });

    it("a literal union grows like an enum", () => {
      const b = z.object({ kind: z.union([z.literal("a"), z.literal("b")]) });
      const a = z.object({ kind: z.union([z.literal("a"), z.literal("b"), z.literal("c")]) });
      expect(only(describeOf({ result: b }), describeOf({ result: a }))).toMatchObject({
        path: "results.things.get.kind",
        kind: "enum-value-added",
        ...capability,
      });
    });

    it("a discriminated union's members are named by their discriminator", () => {
      const spend = z.object({ kind: z.literal("spend"), amount: z.number() });
      const tool = z.object({ kind: z.literal("tool"), name: z.string() });
      const exec = z.object({ kind: z.literal("exec"), command: z.string() });
      const b = z.object({ action: z.discriminatedUnion("kind", [spend, tool]).nullable() });
      const a = z.object({ action: z.discriminatedUnion("kind", [spend, tool, exec]).nullable() });
      expect(only(describeOf({ result: b }), describeOf({ result: a }))).toMatchObject({
        path: "results.things.get.action|exec",
        kind: "member-added",
        ...capability,
      });
      expect(only(describeOf({ result: a }), describeOf({ result: b }))).toMatchObject({
        kind: "member-removed",
        ...breaking,
      });
      const granted = z.object({ kind: z.literal("spend"), amount: z.number(), granted: z.number().optional() });
      const c = z.object({ action: z.discriminatedUnion("kind", [granted, tool]).nullable() });
      expect(only(describeOf({ result: b }), describeOf({ result: c }))).toMatchObject({
        path: "results.things.get.action|spend.granted",
        kind: "property-added-optional",
        ...additive,
      });
    });

    it("a widened type needs a capability (null allowed, a bound loosened); narrowed or changed breaks", () => {
      const b = z.object({ n: z.number().int().max(10) });
      expect(
        only(describeOf({ result: b }), describeOf({ result: z.object({ n: z.number().int().max(10).nullable() }) })),
      ).toMatchObject({ path: "results.things.get.n", kind: "type-widened", ...capability });
      expect(
        only(describeOf({ result: b }), describeOf({ result: z.object({ n: z.number().int().max(20) }) })),
      ).toMatchObject({ kind: "constraint-loosened", ...capability, detail: "maximum 10 → 20" });
      expect(
        only(describeOf({ result: b }), describeOf({ result: z.object({ n: z.number().int().max(5) }) })),
      ).toMatchObject({
        kind: "constraint-tightened",
        ...additive,
      });
      expect(only(describeOf({ result: b }), describeOf({ result: z.object({ n: z.string() }) }))).toMatchObject({
        kind: "type-changed",
        ...breaking,
      });
      const nullable = z.object({ s: z.string().nullable() });
      expect(only(describeOf({ event: nullable }), describeOf({ event: z.object({ s: z.string() }) }))).toMatchObject({
        path: "events.thing.changed.s",
        kind: "type-narrowed",
        ...breaking,
      });
    });

    it("a record's values are `{}`", () => {
      const b = z.object({ reads: z.record(z.string(), z.object({ n: z.number() })) });
      const a = z.object({ reads: z.record(z.string(), z.object({ n: z.number(), at: z.number().optional() })) });
      expect(only(describeOf({ result: b }), describeOf({ result: a }))).toMatchObject({
        path: "results.things.get.reads{}.at",
        kind: "property-added-optional",
      });
    });
  });

  describe("what a client sends (params)", () => {
    const before = z.object({ id: z.string(), status: Status.optional() });

    it("a new optional property or enum value is additive with no capability", () => {
      const a = z.object({ id: z.string(), status: Status.optional(), limit: z.number().optional() });
      expect(only(describeOf({ params: before }), describeOf({ params: a }))).toMatchObject({
        path: "params.things.get.limit",
        kind: "property-added-optional",
        ...additive,
      });
      const b = z.object({ id: z.string(), status: Wider.optional() });
      expect(only(describeOf({ params: before }), describeOf({ params: b }))).toMatchObject({
        path: "params.things.get.status",
        kind: "enum-value-added",
        ...additive,
      });
      // A default makes the property optional on input: the same as optional.
      const c = z.object({ id: z.string(), status: Status.optional(), limit: z.number().default(5) });
      expect(only(describeOf({ params: before }), describeOf({ params: c }))).toMatchObject({
        kind: "property-added-optional",
        ...additive,
      });
    });

    it("a new required property, a removed one, a narrowed enum or a changed type breaks", () => {
      const required = z.object({ id: z.string(), status: Status.optional(), limit: z.number() });
      expect(only(describeOf({ params: before }), describeOf({ params: required }))).toMatchObject({
        path: "params.things.get.limit",
        kind: "property-added-required",
        ...breaking,
      });
      expect(only(describeOf({ params: before }), describeOf({ params: z.object({ id: z.string() }) }))).toMatchObject({
        kind: "property-removed",
        ...breaking,
      });
      const narrowed = z.object({ id: z.string(), status: z.enum(["open"]).optional() });
      expect(only(describeOf({ params: before }), describeOf({ params: narrowed }))).toMatchObject({
        kind: "enum-value-removed",
        ...breaking,
      });
      const typed = z.object({ id: z.number(), status: Status.optional() });
      expect(only(describeOf({ params: before }), describeOf({ params: typed }))).toMatchObject({
        path: "params.things.get.id",
        kind: "type-changed",
        ...breaking,
      });
      const tighter = z.object({ id: z.string().max(10), status: Status.optional() });
      expect(only(describeOf({ params: before }), describeOf({ params: tighter }))).toMatchObject({
        kind: "constraint-tightened",
        ...breaking,
      });
    });
  });

  describe("frames", () => {
    const before = z.object({ code: z.enum(["a", "b"]), message: z.string() });

    it("an optional property or an enum value is additive; any other change breaks", () => {
      const optional = z.object({ code: z.enum(["a", "b"]), message: z.string(), retryable: z.boolean().optional() });
      expect(only(describeOf({ error: before }), describeOf({ error: optional }))).toMatchObject({
        path: "frames.error.retryable",
        kind: "property-added-optional",
        ...additive,
      });
      // An error code a client does not know fails its parse: named by a capability (its `errors`).
      const code = z.object({ code: z.enum(["a", "b", "c"]), message: z.string() });
      expect(only(describeOf({ error: before }), describeOf({ error: code }))).toMatchObject({
        path: "frames.error.code",
        kind: "enum-value-added",
        ...capability,
      });
      // In the response frame, the error is inside the member whose `ok` is false.
      const res = (codes: [string, ...string[]]) => ({
        frames: {
          res: json(
            z.discriminatedUnion("ok", [
              z.object({ type: z.literal("res"), ok: z.literal(true), payload: z.unknown() }),
              z.object({ type: z.literal("res"), ok: z.literal(false), error: z.object({ code: z.enum(codes) }) }),
            ]),
          ),
        },
      });
      expect(only(res(["a", "b"]), res(["a", "b", "c"]))).toMatchObject({
        path: "frames.res|false.error.code",
        kind: "enum-value-added",
        ...capability,
      });
      const required = z.object({ code: z.enum(["a", "b"]), message: z.string(), retryable: z.boolean() });
      expect(only(describeOf({ error: before }), describeOf({ error: required }))).toMatchObject({
        kind: "property-added-required",
        ...breaking,
      });
      const longer = z.object({ code: z.enum(["a", "b"]), message: z.string().max(10) });
      expect(only(describeOf({ error: before }), describeOf({ error: longer }))).toMatchObject({
        kind: "constraint-tightened",
        ...breaking,
      });
    });
  });

  it("follows $ref into $defs, and a recursive schema ends", () => {
    const Node: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(Node);
      },
    });
    const NodeWide: z.ZodType = z.object({
      name: z.string(),
      tag: z.string().optional(),
      get children() {
        return z.array(NodeWide);
      },
    });
    const b = json(z.object({ root: Node }));
    const a = json(z.object({ root: NodeWide }));
    expect(JSON.stringify(a)).toContain("$ref");
    const changes = diffProtocol({ events: { tree: b } }, { events: { tree: a } });
    expect(changes.map((c) => [c.path, c.kind])).toContainEqual(["events.tree.root.tag", "property-added-optional"]);
    expect(changes.every((c) => c.additive)).toBe(true);
  });
});
