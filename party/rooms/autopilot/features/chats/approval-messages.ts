import { DECIDED_IN_WORDS } from "../../../../../shared/plain-words";
import { deciderRefusal, isOwnApproval } from "../../../../../shared/approval-policy";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Principal } from "../../../../../shared/protocol/principal";
import { hasScope } from "../../../../../shared/scopes";
import { randomToken } from "../../../../auth/tokens";
import { getSettings } from "../../kernel/settings";
import { getApproval } from "../approvals";
import { preferences } from "../inbox";
import type { ChatPlatform } from "../../../../../shared/protocol/chats";
import { ALL_SCOPES, type ChatParts } from "./bot";
import { type ChatButton, type ChatRef, clip } from "./platform";
import { approvalMessages, connections, enqueue, linksOf, MESSAGE_TTL_MS } from "./store";

/** An approval as a chat message: what it is in plain words, who asked, the risk, when it expires. */
export function approvalText(a: Approval): string {
  const lines = ["Approval needed", clip(a.title, 300)];
  if (a.summary && a.summary !== a.title) lines.push(clip(a.summary, 500));
  const forWhom = a.onBehalfOf && a.onBehalfOf.id !== a.requestedBy.id ? ` for ${a.onBehalfOf.name}` : "";
  lines.push(`Asked by ${a.requestedBy.name}${forWhom} · ${a.risk} risk`);
  if (a.expiresAt !== null)
    lines.push(`Expires ${new Date(a.expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC`);
  return lines.join("\n");
}

/** The line a decided approval's messages end with, for everyone it was sent to. */
export function outcomeLine(a: Approval): string {
  const note = a.note ? `: “${clip(a.note, 300)}”` : "";
  if (a.status === "approved" || a.status === "denied") {
    const who = a.resolvedBy ? ` by ${a.resolvedBy.name}` : "";
    const where = a.decidedIn ? ` ${DECIDED_IN_WORDS[a.decidedIn]}` : "";
    return `${a.status === "approved" ? "✅ Approved" : "❌ Denied"}${who}${where}${note}`;
  }
  return a.note ? `⌛ ${clip(a.note, 300)}` : "⌛ Expired before anyone decided it.";
}

/**
 * The buttons under an approval's message; each carries the message's random key, the only
 * thing a press names. For the person's own request, Approve is the explicit confirm.
 */
export const decisionButtons = (key: string, own: boolean): ChatButton[][] => [
  [
    own
      ? { text: "Approve my own request", data: `o:${key}`, style: "primary" }
      : { text: "Approve", data: `a:${key}`, style: "primary" },
    { text: "Deny", data: `d:${key}`, style: "danger" },
  ],
  [{ text: "Deny with a note…", data: `n:${key}` }],
];

/** Whether this person may decide this approval now, as the app's inbox reckons it (inbox/derive.ts). */
const mayDecide = (parts: ChatParts, approval: Approval, principal: Principal): boolean =>
  approval.status === "pending" &&
  (approval.expiresAt === null || approval.expiresAt > Date.now()) &&
  hasScope(principal.scopes, "approve") &&
  deciderRefusal(approval, principal, getSettings(parts.s.sql).approvals) === null;

/** The chat platforms where this person would get approvals now: linked, and approvals in chats not turned off. */
export function approvalPlatforms(parts: ChatParts, principalId: string): ChatPlatform[] {
  const { s } = parts;
  if (preferences(s.sql, principalId).approval.chat === false) return [];
  return connections
    .entries(s.sql)
    .filter(({ value }) => linksOf(s.sql, value.platform).some(({ link }) => link.principalId === principalId))
    .map(({ value }) => value.platform);
}

/**
 * Sends an approval to these linked people who may decide it (their access read from D1 now)
 * and want approvals in their chats (their inbox preferences); `to` is whom the approval's
 * reach sends it to (features/approval-reach/), every linked person when absent. With
 * `reminder`, a person who already has its message gets it edited in place, the reminder
 * first and the buttons kept, instead of a second message. Returns the platforms each person
 * was sent it (or reminded) on.
 */
export async function deliverApproval(
  parts: ChatParts,
  approvalId: string,
  to?: ReadonlySet<string>,
  reminder?: string,
): Promise<Map<string, ChatPlatform[]>> {
  const { s } = parts;
  const targets: { platform: ChatPlatform; principal: Principal; chatId: ChatRef }[] = [];
  // Whom it may go to, as the links and the inbox preferences (on unless the person said no)
  // stand now; then each one's access, from D1.
  const linked = connections
    .entries(s.sql)
    .flatMap(({ value: connection }) => linksOf(s.sql, connection.platform).map(({ link }) => ({ connection, link })))
    .filter(({ link }) => !to || to.has(link.principalId))
    .filter(({ link }) => preferences(s.sql, link.principalId).approval.chat !== false);
  for (const { connection, link } of linked) {
    const asked = { id: link.principalId, kind: "user" as const, name: link.name, scopes: [...ALL_SCOPES] };
    const verdict = await s.currentAccess(asked);
    const approval = getApproval(s.sql, approvalId);
    if (!approval) return new Map();
    if (verdict.ok && mayDecide(parts, approval, verdict.principal))
      targets.push({ platform: connection.platform, principal: verdict.principal, chatId: link.chatId });
  }
  const sent = new Map<string, ChatPlatform[]>();
  if (targets.length === 0) return sent;
  s.commit(null, (ctx) => {
    const approval = getApproval(ctx.sql, approvalId);
    if (approval?.status !== "pending") return;
    approvalMessages.deleteWrittenBefore(ctx.sql, ctx.now - MESSAGE_TTL_MS);
    const text = approvalText(approval);
    const existing = approvalMessages.entries(ctx.sql).filter(({ value }) => value.approvalId === approvalId);
    for (const { platform, principal, chatId } of targets) {
      const own = isOwnApproval(approval, principal.id);
      const kept = existing.find(({ value }) => value.principalId === principal.id && value.platform === platform);
      if (kept && !reminder) continue;
      if (kept) {
        // One message per person and approval: a reminder edits it, its buttons kept.
        const edited = `⏰ ${reminder}\n\n${kept.value.text}`;
        const buttons = decisionButtons(kept.key, own);
        enqueue(ctx.sql, { platform, op: "edit", chat: null, text: edited, buttons, message: kept.key }, ctx.now);
      } else {
        const key = randomToken().slice(0, 16);
        const message = { approvalId, principalId: principal.id, chatId, messageId: null, notePrompt: null, text };
        approvalMessages.put(ctx.sql, key, { platform, ...message }, ctx.now);
        const shown = reminder ? `⏰ ${reminder}\n\n${text}` : text;
        enqueue(
          ctx.sql,
          { platform, op: "send", chat: chatId, text: shown, buttons: decisionButtons(key, own), message: key },
          ctx.now,
        );
      }
      sent.set(principal.id, [...(sent.get(principal.id) ?? []), platform]);
    }
  });
  parts.outbox.drain();
  return sent;
}

/** Every message of a decided approval shows the outcome, and its buttons go. */
export function showOutcome(parts: ChatParts, approval: Approval): void {
  const { s } = parts;
  const sent = approvalMessages.entries(s.sql).filter(({ value }) => value.approvalId === approval.id);
  if (sent.length === 0) return;
  s.commit(null, (ctx) => {
    for (const { key, value } of sent) {
      const text = `${value.text}\n\n${outcomeLine(approval)}`;
      enqueue(
        ctx.sql,
        { platform: value.platform, op: "edit", chat: null, text, buttons: null, message: key },
        ctx.now,
      );
    }
  });
  parts.outbox.drain();
}
