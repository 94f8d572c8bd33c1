import { z } from "zod";
import { BillingState, Credits } from "../protocol/billing";

/**
 * The workspace's money over HTTP (docs/billing.md): buying credits through Stripe Checkout,
 * and the operators' view of every workspace's balance with the grants and plans they set.
 * Everything else about billing is the room's (`billing.*` in the protocol).
 */

/** `POST /api/workspaces/:ws/billing/checkout`: one of the operator's top-up options, by its credits. */
export const CheckoutBody = z.object({ credits: Credits.positive() });
/** Stripe's hosted page to send the buyer to; the webhook credits the workspace once they paid. */
export const CheckoutResponse = z.object({ url: z.string().url() });

/** `POST /api/workspaces/:ws/billing/plan`: the plan an owner or admin chooses, one of the state's `plans`. */
export const ChoosePlanBody = z.object({ plan: z.string().regex(/^[a-z0-9_-]{1,40}$/) });
/**
 * A first plan: Stripe's Checkout page to subscribe on (`url`). A change of plan: when it takes
 * effect (`now` for an upgrade, prorated; `period_end` for a downgrade, at `at`); the room's
 * state follows once Stripe confirms it.
 */
export const ChoosePlanResponse = z.union([
  z.object({ url: z.string().url() }),
  z.object({ change: z.enum(["now", "period_end"]), at: z.number().int().nullable() }),
]);
/** `POST /api/workspaces/:ws/billing/portal`: Stripe's customer portal (card, invoices, cancellation). */
export const PortalResponse = z.object({ url: z.string().url() });

/** The most credits an operator grants at once. */
export const MAX_GRANT_CREDITS = 1_000_000_000;

/** `POST /api/admin/workspaces/:ws/credits`: credits by hand, with why. */
export const GrantBody = z.object({
  credits: Credits.min(1).max(MAX_GRANT_CREDITS),
  note: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[^\p{Cc}]*$/u, "one line of text"),
  /** Sent again with a retry, the same grant is one entry (its ledger id is `grant:<requestId>`). */
  requestId: z.string().uuid().optional(),
});
/** `POST /api/admin/workspaces/:ws/plan`: an operator's override; `null` lifts it. */
export const PlanBody = z.object({
  plan: z
    .string()
    .regex(/^[a-z0-9_-]{1,40}$/)
    .nullable(),
});

/** A workspace's billing as operators see it (null: its room could not be reached). */
export const AdminWorkspaceBilling = z.object({ workspaceId: z.string(), state: BillingState.nullable() });
export type AdminWorkspaceBilling = z.infer<typeof AdminWorkspaceBilling>;

/** The most workspaces `GET /api/admin/billing` reads at once (each is a room woken). */
export const ADMIN_BILLING_BATCH = 50;

/** `GET /api/admin/billing?workspace=<id>&…`: each workspace's state, and the plans to choose from. */
export const AdminBillingResponse = z.object({
  workspaces: z.array(AdminWorkspaceBilling),
  plans: z.array(z.object({ id: z.string(), name: z.string(), includedCredits: Credits })),
});
/** A plan change: the workspace's state after it. */
export const AdminPlanResponse = z.object({ workspaceId: z.string(), state: BillingState });
/** A grant: the workspace's state after it; `credited` is false when that request was granted before. */
export const AdminGrantResponse = AdminPlanResponse.extend({ credited: z.boolean() });
