import type { InboxPreferences } from "../../../../../shared/protocol/inbox";
import type { Mail } from "../../../../auth/mail";
import type { Sql } from "../../../../domain/sql";
import type { CurrentAccess } from "../../kernel/services";
import type { MintedLink } from "../decision-links";
import { deriveItems } from "./derive";
import { mailFor, widest } from "./mail";
import { hasSubscriptions, type StoredSubscription, subscriptionsOf, unsubscribe } from "./push-store";
import { payloadFor, type PushPayload } from "./push";
import { type InboxPerson, markMailed, markPushed, people, preferences } from "./store";

/**
 * An approval sent to one person on purpose, now, by mail or Web Push (features/approval-reach/
 * asks: its first notice, a reminder, an escalation): unlike the inbox's own mail and push, which
 * wait for an item to go unread, these go when the ladder says. The item is derived again with
 * the person's access read from D1 now, so it goes only while they may still decide it; what is
 * sent is marked as the inbox's mail and push mark theirs, so the inbox does not send it again.
 */
export interface RemindDeps {
  sql: Sql;
  workspaceId(): string;
  currentAccess: CurrentAccess;
  addressOf(userId: string): Promise<string | null>;
  linkOrigin(stored: string): string;
  sendMail(mail: Mail): Promise<void>;
  /** Null: Web Push is not configured here. */
  sendPush: ((sub: StoredSubscription, payload: PushPayload) => Promise<number>) | null;
  decisionLink(
    item: { target: { kind: "approval"; approvalId: string } },
    person: InboxPerson,
  ): Promise<MintedLink | null>;
}

/** Where the inbox can reach a person on purpose now, as their preferences and subscriptions stand. */
export function reachableBy(sql: Sql, principalId: string, pushOn: boolean): { push: boolean; mail: boolean } {
  const prefs: InboxPreferences = preferences(sql, principalId);
  return {
    push: pushOn && prefs.approval.push && hasSubscriptions(sql, principalId),
    mail: prefs.approval.email,
  };
}

/** The person as the inbox knows them; one who never opened the workspace has no origin of their own. */
const personOf = (sql: Sql, principalId: string, name: string): InboxPerson =>
  people(sql).find((p) => p.principalId === principalId) ?? {
    principalId,
    name,
    origin: "",
    preferences: preferences(sql, principalId),
  };

/**
 * Sends the approval to the person by `via`, with `headline` first ("Reminder: …"); true when it
 * went (the person may still decide it and the surface took it).
 */
export async function remindApproval(
  d: RemindDeps,
  who: { principalId: string; name: string },
  approvalId: string,
  via: "mail" | "push",
  headline: string,
  now = Date.now(),
): Promise<boolean> {
  const person = personOf(d.sql, who.principalId, who.name);
  const verdict = await d.currentAccess(widest(person));
  if (!verdict.ok) return false;
  const items = deriveItems(d.sql, verdict.principal, now);
  const item = items.find((i) => i.key === `approval:${approvalId}`);
  if (!item) return false;
  const shown = { ...item, title: `${headline}: ${item.title}`.slice(0, 300) };
  const origin = d.linkOrigin(person.origin);
  const link = await d.decisionLink({ target: { kind: "approval", approvalId } }, person);
  const keys = items.map((i) => i.key);
  if (via === "mail") {
    const address = await d.addressOf(person.principalId);
    if (!address) return false;
    await d.sendMail(mailFor(shown, address, origin, d.workspaceId(), link));
    markMailed(d.sql, person.principalId, [item.key], keys, now);
    return true;
  }
  const subs = subscriptionsOf(d.sql, person.principalId);
  if (!d.sendPush || subs.length === 0) return false;
  const payload = payloadFor(shown, origin, d.workspaceId(), link?.alone ? link.path : null);
  markPushed(d.sql, person.principalId, [item.key], keys, now);
  let sent = false;
  for (const sub of subs) {
    const status = await d.sendPush(sub, payload);
    if (status === 404 || status === 410) unsubscribe(d.sql, person.principalId, sub.endpoint);
    else if (status >= 200 && status < 300) sent = true;
  }
  return sent;
}
