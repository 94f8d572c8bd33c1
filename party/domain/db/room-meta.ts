import { keyValueTable } from "./columns";

/**
 * The key/value meta every room keeps (the epoch, the event sequence, the Hatchery's pulled
 * sequence): in both rooms' schemas (party/rooms/autopilot/schema.ts, hatchery-schema.ts).
 */

export const roomMeta = keyValueTable("room_meta");
