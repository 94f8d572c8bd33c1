import { z } from "zod";
import { ErrorShape } from "../protocol/errors";
import { Events } from "../protocol/events";
import { EventFrame, RequestFrame, ResponseFrame } from "../protocol/frames";
import { Methods } from "../protocol/methods";

/**
 * A canonical JSON description of every schema on the wire, so the lock can tell what changed
 * in shape (field added, enum widened, scope moved) since the version's baseline
 * (protocol-lock.ts, schema-diff.ts).
 */
export function protocolDescription(): unknown {
  const json = (schema: z.ZodType) => z.toJSONSchema(schema, { unrepresentable: "any", io: "input" });
  return {
    frames: { req: json(RequestFrame), res: json(ResponseFrame), event: json(EventFrame), error: json(ErrorShape) },
    methods: Object.fromEntries(
      Object.entries(Methods)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, m]) => [
          name,
          { scope: m.scope, mutating: m.mutating, params: json(m.params), result: json(m.result) },
        ]),
    ),
    events: Object.fromEntries(
      Object.entries(Events)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, schema]) => [name, json(schema)]),
    ),
  };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of a JSON value with its keys sorted: the same for the same value, however it was written. */
export async function fingerprint(value: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(canonical(value));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
