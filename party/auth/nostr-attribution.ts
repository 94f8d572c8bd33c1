import { inArray } from "drizzle-orm";
import type { PrincipalKind } from "../../shared/protocol/principal";
import { keyIssuer } from "./current-access";
import { authDb } from "./db/client";
import { baApiKey, baOrganization, baUser } from "./db/better-auth-tables";
import { nostrCustody, nostrIdentity } from "./db/schema";

/**
 * Who a Nostr pubkey is, as this server knows it (D1): the person or agent key it is
 * registered to, or the workspace's Autopilot or the workspace itself for a custodial key
 * of theirs; for an agent, the workspace that owns it and the person who made its key.
 * This is what the app shows ("agent of Acme, owned by Alice"); outside Nostr clients
 * read the same from the profiles and attestations the server signs (party/rooms/relay/community/).
 */

export type AuthorRole = PrincipalKind | "autopilot" | "workspace";

export interface KnownAuthor {
  pubkey: string;
  role: AuthorRole;
  /** The principal's id (a person's or an agent key's); null for an Autopilot or a workspace. */
  principalId: string | null;
  name: string;
  /** An agent: an agent key or an Autopilot (NIP-24 `bot`). */
  bot: boolean;
  /** The workspace an agent or a workspace key belongs to; null for a person (theirs in every workspace). */
  workspace: { id: string; name: string } | null;
  /** The person who made an agent's key; null when unknown or not a person's. */
  owner: { id: string; name: string } | null;
  custody: "own" | "custodial";
}

/** A D1 statement binds at most 100 parameters. */
const BATCH = 90;

async function inBatches<T>(values: string[], read: (batch: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += BATCH) out.push(...(await read(values.slice(i, i + BATCH))));
  return out;
}

const AGENT_PREFIX = "agent_";

/** The authors this server knows among `pubkeys` (others are absent from the map). At most five D1 reads per 90 pubkeys. */
export async function knownAuthors(d1: D1Database, pubkeys: readonly string[]): Promise<Map<string, KnownAuthor>> {
  const db = authDb(d1);
  const unique = [...new Set(pubkeys)];
  const out = new Map<string, KnownAuthor>();
  if (unique.length === 0) return out;
  const identities = await inBatches(unique, (batch) =>
    db.select().from(nostrIdentity).where(inArray(nostrIdentity.pubkey, batch)).all(),
  );
  const custody = await inBatches(unique, (batch) =>
    db
      .select({ pubkey: nostrCustody.pubkey, holder: nostrCustody.holder })
      .from(nostrCustody)
      .where(inArray(nostrCustody.pubkey, batch))
      .all(),
  );
  const custodial = new Set(custody.map((row) => row.pubkey));
  const keyIds = identities
    .filter((i) => i.principalKind === "agent" && i.principalId.startsWith(AGENT_PREFIX))
    .map((i) => i.principalId.slice(AGENT_PREFIX.length));
  const keys = await inBatches(keyIds, (batch) =>
    db
      .select({ id: baApiKey.id, name: baApiKey.name, referenceId: baApiKey.referenceId, metadata: baApiKey.metadata })
      .from(baApiKey)
      .where(inArray(baApiKey.id, batch))
      .all(),
  );
  const keyById = new Map(keys.map((k) => [k.id, k]));
  const workspaceOfHolder = (holder: string) => holder.slice(holder.indexOf(":") + 1);
  const holders = custody.filter((row) => /^(autopilot|workspace):/.test(row.holder));
  const workspaceIds = [
    ...new Set([...keys.map((k) => k.referenceId), ...holders.map((h) => workspaceOfHolder(h.holder))]),
  ];
  const userIds = [
    ...new Set([
      ...identities.filter((i) => i.principalKind === "user").map((i) => i.principalId),
      ...keys.map((k) => keyIssuer(k.metadata)).filter((id): id is string => id !== null),
    ]),
  ];
  const orgs = await inBatches(workspaceIds, (batch) =>
    db.select().from(baOrganization).where(inArray(baOrganization.id, batch)).all(),
  );
  const users = await inBatches(userIds, (batch) =>
    db.select({ id: baUser.id, name: baUser.name }).from(baUser).where(inArray(baUser.id, batch)).all(),
  );
  const orgName = new Map(orgs.map((o) => [o.id, o.name]));
  const userName = new Map(users.map((u) => [u.id, u.name]));
  const workspace = (id: string) => ({ id, name: orgName.get(id) ?? "a workspace" });
  for (const identity of identities) {
    const custodyOf = custodial.has(identity.pubkey) ? "custodial" : "own";
    if (identity.principalKind === "user") {
      out.set(identity.pubkey, {
        pubkey: identity.pubkey,
        role: "user",
        principalId: identity.principalId,
        name: userName.get(identity.principalId) ?? "someone",
        bot: false,
        workspace: null,
        owner: null,
        custody: custodyOf,
      });
      continue;
    }
    const key = keyById.get(identity.principalId.slice(AGENT_PREFIX.length));
    const ownerId = key ? keyIssuer(key.metadata) : null;
    const ownerName = ownerId ? userName.get(ownerId) : undefined;
    out.set(identity.pubkey, {
      pubkey: identity.pubkey,
      role: "agent",
      principalId: identity.principalId,
      name: key?.name ?? "an agent",
      bot: true,
      workspace: workspace(key?.referenceId ?? identity.workspaceId),
      owner: ownerId && ownerName ? { id: ownerId, name: ownerName } : null,
      custody: custodyOf,
    });
  }
  for (const { pubkey, holder } of holders) {
    if (out.has(pubkey)) continue;
    const isAutopilot = holder.startsWith("autopilot:");
    const ws = workspace(workspaceOfHolder(holder));
    out.set(pubkey, {
      pubkey,
      role: isAutopilot ? "autopilot" : "workspace",
      principalId: null,
      name: isAutopilot ? "Autopilot" : ws.name,
      bot: isAutopilot,
      workspace: ws,
      owner: null,
      custody: "custodial",
    });
  }
  return out;
}

/** How an author reads in one line: "Alice", "release-bot, agent of Acme, owned by Alice", "Autopilot of Acme". */
export function attributionLine(author: Pick<KnownAuthor, "role" | "name" | "workspace" | "owner">): string {
  if (author.role === "autopilot") return `${author.name} of ${author.workspace?.name ?? "a workspace"}`;
  if (author.role !== "agent") return author.name;
  const of = author.workspace ? `, agent of ${author.workspace.name}` : ", an agent";
  return `${author.name}${of}${author.owner ? `, owned by ${author.owner.name}` : ""}`;
}

/** A workspace's name (better-auth's organization), or null when there is none. */
export async function workspaceName(d1: D1Database, workspaceId: string): Promise<string | null> {
  const row = await authDb(d1)
    .select({ name: baOrganization.name })
    .from(baOrganization)
    .where(inArray(baOrganization.id, [workspaceId]))
    .get();
  return row?.name ?? null;
}
