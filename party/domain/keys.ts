// What both rooms make the same way: record ids, and how long an idempotency key is kept
// (the Autopilot's request keys and the Hatchery's graph.apply keys alike).

/** How long a key is remembered; a client retrying later than this gets a new effect. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
}
