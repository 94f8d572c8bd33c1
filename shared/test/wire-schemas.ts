import { z } from "zod";
import { Events } from "../protocol/events";
import { Methods } from "../protocol/methods";

/**
 * What a client of one protocol version receives, as JSON Schema: every event payload and
 * every method result, as the server sends them (`io: "output"`, so an object allows no
 * key its schema does not name). `npm run protocol:lock` records it per version in
 * shared/protocol/versions/, so after the next bump the room can be checked against what
 * the previous version's clients were built for.
 */
export function wireSchemas(): { events: Record<string, unknown>; results: Record<string, unknown> } {
  const json = (schema: z.ZodType) => z.toJSONSchema(schema, { unrepresentable: "any", io: "output" });
  const sorted = <T>(entries: [string, T][]) => entries.sort(([a], [b]) => a.localeCompare(b));
  return {
    events: Object.fromEntries(sorted(Object.entries(Events)).map(([name, schema]) => [name, json(schema)])),
    results: Object.fromEntries(sorted(Object.entries(Methods)).map(([name, method]) => [name, json(method.result)])),
  };
}
