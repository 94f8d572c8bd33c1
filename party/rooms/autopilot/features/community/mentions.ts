import { inArray } from "drizzle-orm";
import { mentions } from "../../../../../shared/mentions";
import { authDb } from "../../../../auth/db/client";
import { nostrIdentity } from "../../../../auth/db/schema";
import { inboxPeopleTable as inboxPeople } from "../inbox/index";
import type { Sql } from "../../../../domain/sql";

/**
 * Who a note names (`@Name`, the app's one rule: shared/mentions.ts): the people this room
 * knows by name. A note the room signs gets a `p` tag for each of them that has a pubkey
 * (NIP-10), so any Nostr client sees whom it mentions.
 */

/** The people of this room that `text` mentions by name (at most 20). */
export function mentionedPeople(sql: Sql, text: string): string[] {
  if (!text.includes("@")) return [];
  return sql.db
    .select({ principalId: inboxPeople.principalId, name: inboxPeople.name })
    .from(inboxPeople)
    .all()
    .filter((person) => mentions(text, person.name))
    .slice(0, 20)
    .map((person) => person.principalId);
}

/** `p` tags for the people a note mentions: one pubkey each (the first they have). */
export async function mentionTags(room: { sql: Sql; env: { DB: D1Database } }, text: string): Promise<string[][]> {
  const people = mentionedPeople(room.sql, text);
  if (people.length === 0) return [];
  const rows = await authDb(room.env.DB)
    .select({ pubkey: nostrIdentity.pubkey, principalId: nostrIdentity.principalId })
    .from(nostrIdentity)
    .where(inArray(nostrIdentity.principalId, people))
    .all();
  const first = new Map<string, string>();
  for (const row of rows) if (!first.has(row.principalId)) first.set(row.principalId, row.pubkey);
  return [...first.values()].map((pubkey) => ["p", pubkey]);
}
