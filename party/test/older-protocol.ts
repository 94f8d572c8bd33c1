import { z } from "zod";
import { DurableEvents } from "../../shared/protocol/events";
import { ServerFrame } from "../../shared/protocol/frames";
import recorded17 from "../../shared/protocol/versions/17.json";
import recorded18 from "../../shared/protocol/versions/18.json";

/**
 * Frames for a client of an older protocol version, checked against that version's wire
 * schemas as recorded when it was current (shared/protocol/versions/): an object with a key
 * that version did not have fails, as a strict client of that version would.
 */
interface Recorded {
  events: Record<string, unknown>;
  results: Record<string, unknown>;
}
const RECORDED: Record<number, Recorded> = { 17: recorded17 as Recorded, 18: recorded18 as Recorded };
const compiled = new Map<string, z.ZodType>();

function schemaOf(version: number, part: "events" | "results", name: string): z.ZodType | null {
  const key = `${version}/${part}/${name}`;
  const known = compiled.get(key);
  if (known) return known;
  const json = RECORDED[version]?.[part][name];
  if (json === undefined) return null;
  const schema = z.fromJSONSchema(json as Parameters<typeof z.fromJSONSchema>[0]);
  compiled.set(key, schema);
  return schema;
}

function check(schema: z.ZodType, value: unknown, what: string): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success
    ? []
    : [
        `${what}: ${parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
          .join("; ")}`,
      ];
}

export function olderFrameViolations(version: number, json: unknown, method: string | undefined): string[] {
  if (!RECORDED[version]) return [`no recorded wire schemas for protocol ${version}`];
  const f = ServerFrame.parse(json);
  if (f.type === "res") {
    if (!f.ok || method === undefined) return [];
    const schema = schemaOf(version, "results", method);
    return schema
      ? check(schema, f.payload, `protocol ${version} result of ${method}`)
      : [`protocol ${version} has no method ${method}`];
  }
  const schema = schemaOf(version, "events", f.event);
  // Every version takes an event it does not know as an unknown one: a durable event newer
  // than the client still comes, with its seq, so resuming stays exact. Ephemeral ones do not.
  if (!schema)
    return Object.hasOwn(DurableEvents, f.event) && f.seq !== undefined
      ? []
      : [`protocol ${version} got ${f.event}, an event it does not have`];
  return check(schema, f.payload, `protocol ${version} event ${f.event}`);
}
