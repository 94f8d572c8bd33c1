// Money alerts in chats (docs/billing.md): an alert that newly stands (a budget past a
// threshold, the balance low, a plan's payment failed) reaches every linked person who owns
// or administers the workspace (their access read from D1 now) and has not turned chats off
// for money alerts in their notification settings, once per alert and person, as a plain
// message through the outbox.
import { z } from "zod";
import { channelsFor } from "../../../../../shared/protocol/inbox";
import { hasScope } from "../../../../../shared/scopes";
import { defineRecord } from "../../../../records/codec";
import { featureStore } from "../../kernel/feature-store";
import type { StandingAlert } from "../billing/index";
import { preferences } from "../inbox";
import { ALL_SCOPES, type ChatParts } from "./bot";
import { type ChatRef, clip } from "./platform";
import type { ChatPlatform } from "../../../../../shared/protocol/chats";
import { connections, enqueue, linksOf, sendTo } from "./store";

/** Which alert went to whom: its key and the person's id. */
const sent = featureStore(defineRecord("chat money alert", z.object({ at: z.number() })));
/** Kept past any alert's period, so a standing one is never sent twice. */
const SENT_KEPT_MS = 62 * 24 * 3600_000;

export async function deliverMoneyAlerts(parts: ChatParts, standing: StandingAlert[]): Promise<void> {
  const { s } = parts;
  if (standing.length === 0) return;
  const linked = connections
    .entries(s.sql)
    .flatMap(({ value: connection }) => linksOf(s.sql, connection.platform).map(({ link }) => ({ connection, link })))
    .filter(({ link }) => channelsFor(preferences(s.sql, link.principalId), "billing").chat !== false);
  const to: { platform: ChatPlatform; chatId: ChatRef; principalId: string }[] = [];
  for (const { connection, link } of linked) {
    if (standing.every((alert) => sent.get(s.sql, `${alert.key}:${link.principalId}`))) continue;
    const verdict = await s.currentAccess({
      id: link.principalId,
      kind: "user",
      name: link.name,
      scopes: [...ALL_SCOPES],
    });
    if (verdict.ok && hasScope(verdict.principal.scopes, "admin"))
      to.push({ platform: connection.platform, chatId: link.chatId, principalId: link.principalId });
  }
  if (to.length === 0) return;
  s.commit(null, (ctx) => {
    sent.deleteWrittenBefore(ctx.sql, ctx.now - SENT_KEPT_MS);
    for (const alert of standing)
      for (const { platform, chatId, principalId } of to) {
        const key = `${alert.key}:${principalId}`;
        if (sent.get(ctx.sql, key)) continue;
        sent.put(ctx.sql, key, { at: ctx.now }, ctx.now);
        enqueue(ctx.sql, sendTo(platform, chatId, clip(`${alert.title}\n${alert.detail}`, 1000)), ctx.now);
      }
  });
  parts.outbox.drain();
}
