import type { Approval, Decision, Risk } from "../../../../../shared/protocol/approvals";
import type { Principal } from "../../../../../shared/protocol/principal";
import { isOwnApproval, linkDecidesAlone, linkDecisionsUpTo } from "../../../../../shared/approval-policy";
import { randomToken, sha256Hex } from "../../../../auth/tokens";
import { defineFeature } from "../../kernel/feature";
import { getSettings } from "../../kernel/settings";
import { approvals, getApproval } from "../approvals";
import { DECIDE_PREFIX, type DecisionLink, LINK_TOKEN, LINK_TTL_MS, linkOf, markUsed, putLink } from "./links";

export { DECIDE_PREFIX, LINK_TOKEN } from "./links";

declare module "../../kernel/feature" {
  interface RoomVias {
    /** A person deciding with a decision link from a mail or a notification. */
    link: true;
  }
}

/** What a decision link's page shows (GET: nothing changes); not found for a link that is not one or ran out. */
export type LinkView =
  | { ok: false }
  | {
      ok: true;
      /** Whom the link decides as. */
      name: string;
      approval: Pick<Approval, "title" | "summary" | "risk" | "status" | "expiresAt" | "note"> & {
        requestedBy: string;
        resolvedBy: string | null;
      };
      /** Whether the link may still decide: unused, in time, the approval still pending. */
      open: boolean;
      /** The person asked for it (or it was asked on their behalf): approving it is confirming it themselves. */
      own: boolean;
      /** The approval, in the app (`/?w=…&approval=…`): where a person decides signed in. */
      appPath: string;
      /**
       * Above the workspace's limit (`limit`): the link alone decides nothing; the person
       * decides signed in, on this page with their session or in the app.
       */
      signIn: null | { limit: Risk; signedIn: boolean };
    };

/** A link as the room mints it: its path, and whether it decides without the person's session. */
export interface MintedLink {
  path: string;
  alone: boolean;
}

/** What pressing a link's button came to (POST), with the page as it stands after. */
export type LinkDecision =
  | { ok: true; decision: Decision; repeated: boolean; view: LinkView }
  | { ok: false; status: 404 }
  | { ok: false; status: 403; message: string }
  | { ok: false; status: 401 | 409; message: string; view: LinkView };

/** Who pressed or opened a link, as the Worker read it: the person whose session came with it, if any. */
export interface LinkVisitor {
  /** The signed-in person's id (better-auth's session, verified by the Worker), or null. */
  signedInAs?: string | null;
  /** The press came from the page's signed-in form (never a push action's press). */
  withSession?: boolean;
}

/**
 * Decisions from a mail (issue: decide anywhere): each approval mail carries a link that opens
 * a confirm page (party/api/decision-links.ts); its buttons decide as the person it was mailed
 * to, through the one entry (approvals.resolve: the same policy, scopes, expiry and exactly-once
 * as every tab), with their access read again from D1 at the press. A link decides once, and
 * alone only up to the risk the workspace sets (`linkDecisionsUpTo`); above it, only with the
 * person's own session.
 */
export const decisionLinks = defineFeature({
  name: "decisionLinks",
  needs: [approvals],
  build: (s) => {
    const found = (tokenHash: string): { link: DecisionLink; approval: Approval } | null => {
      const link = linkOf(s.sql, tokenHash);
      const approval = link && getApproval(s.sql, link.approvalId);
      return link && approval ? { link, approval } : null;
    };
    /** The highest risk a link decides alone, under the workspace's setting as it stands: read once per call. */
    const readLimit = (): Risk => linkDecisionsUpTo(getSettings(s.sql).approvals);
    /** Whether the link decides `approval` on its own, up to `limit`. */
    const alone = (approval: Approval, limit: Risk) => linkDecidesAlone(approval.risk, { linkDecisionsUpTo: limit });
    const viewOf = (tokenHash: string, limit: Risk, visitor: LinkVisitor = {}): LinkView => {
      const it = found(tokenHash);
      if (!it || (it.link.used === null && it.link.expiresAt <= Date.now())) return { ok: false };
      const { link, approval } = it;
      const app = new URLSearchParams({ w: s.workspaceId(), approval: approval.id });
      return {
        ok: true,
        name: link.name,
        approval: {
          title: approval.title,
          summary: approval.summary,
          risk: approval.risk,
          status: approval.status,
          expiresAt: approval.expiresAt,
          note: approval.note,
          requestedBy: approval.requestedBy.name,
          resolvedBy: approval.resolvedBy?.name ?? null,
        },
        open: link.used === null && approval.status === "pending",
        own: isOwnApproval(approval, link.principalId),
        appPath: `/?${app}`,
        signIn: alone(approval, limit)
          ? null
          : {
              limit,
              signedIn: visitor.signedInAs === link.principalId,
            },
      };
    };
    return {
      api: {
        /**
         * A link for `person` to decide a pending approval (its path, to put after the app's
         * origin, and whether it decides without their session); null when it is not pending.
         */
        async mint(approvalId: string, person: { principalId: string; name: string }): Promise<MintedLink | null> {
          const approval = getApproval(s.sql, approvalId);
          if (approval?.status !== "pending") return null;
          const token = randomToken();
          const tokenHash = await sha256Hex(token);
          const now = Date.now();
          const expiresAt = Math.min(approval.expiresAt ?? Number.POSITIVE_INFINITY, now + LINK_TTL_MS);
          s.commit(null, (ctx) =>
            putLink(
              ctx.sql,
              tokenHash,
              { approvalId: approval.id, principalId: person.principalId, name: person.name, expiresAt, used: null },
              ctx.now,
            ),
          );
          const path = `${DECIDE_PREFIX}/${encodeURIComponent(s.workspaceId())}/${token}`;
          return { path, alone: alone(approval, readLimit()) };
        },
      },
      rpc: {
        /** RPC from the Worker: what a link's page shows. Reads only. */
        async decisionLinkView(call: { token: string } & LinkVisitor): Promise<LinkView> {
          return LINK_TOKEN.test(call.token) ? viewOf(await sha256Hex(call.token), readLimit(), call) : { ok: false };
        },
        /**
         * RPC from the Worker: a link's button. Decides as the link's person with the access D1
         * gives them now; the link's own key makes a second press (either button) answer with
         * the first one's outcome, never decide again.
         */
        async decideByLink(
          call: {
            token: string;
            decision: Decision;
            note?: string;
            /** The person confirms a request of their own (the page's checkbox). */
            confirmOwn?: boolean;
          } & LinkVisitor,
        ): Promise<LinkDecision> {
          if (!LINK_TOKEN.test(call.token)) return { ok: false, status: 404 };
          const tokenHash = await sha256Hex(call.token);
          const limit = readLimit();
          const it = found(tokenHash);
          if (!it) return { ok: false, status: 404 };
          const { link, approval } = it;
          if (link.used)
            return { ok: true, decision: link.used.decision, repeated: true, view: viewOf(tokenHash, limit, call) };
          if (link.expiresAt <= Date.now()) return { ok: false, status: 404 };
          // Above the workspace's limit whoever holds the link (a forwarded mail, a push's
          // action) is not yet the person: only the page's form, sent with their own session, decides.
          if (!alone(approval, limit) && !(call.withSession === true && call.signedInAs === link.principalId))
            return {
              ok: false,
              status: 401,
              message: `This is a ${approval.risk}-risk approval: sign in as ${link.name} to decide it. Nothing was decided.`,
              view: viewOf(tokenHash, limit, call),
            };
          const asked: Principal = {
            id: link.principalId,
            kind: "user",
            name: link.name,
            scopes: ["read", "write", "approve"],
          };
          const verdict = await s.currentAccess(asked);
          if (!verdict.ok)
            return {
              ok: false,
              status: 403,
              message: "you no longer have access to this workspace: nothing was decided",
            };
          const { response } = await s.call({ principal: verdict.principal, via: "link" }, "approvals.resolve", {
            approvalId: approval.id,
            decision: call.decision,
            ...(call.note ? { note: call.note } : {}),
            ...(call.confirmOwn ? { confirmOwn: true } : {}),
            idempotencyKey: `link:${tokenHash.slice(0, 48)}`,
          });
          if (!response.ok) {
            const confirm = response.error.details?.needs === "confirmOwn";
            return {
              ok: false,
              status: 409,
              message: confirm
                ? "You asked for this (or it was asked on your behalf): tick “I confirm my own request” to approve it yourself."
                : response.error.message,
              view: viewOf(tokenHash, limit, call),
            };
          }
          const decided = (response.payload as { approval: Approval }).approval;
          const decision = decided.status === "approved" ? "approve" : "deny";
          s.commit(null, (ctx) => markUsed(ctx.sql, tokenHash, link, decision, ctx.now));
          return { ok: true, decision, repeated: false, view: viewOf(tokenHash, limit, call) };
        },
      },
    };
  },
});
