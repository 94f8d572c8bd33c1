import { create } from "zustand";
import { useUi } from "../../stores/ui";

/**
 * Coming back from Stripe's checkout page: its success and cancel addresses carry
 * `?billing=paid|subscribed|managed|cancelled` (party/rooms/autopilot/features/billing/stripe.ts,
 * stripe-plans.ts). The app opens Billing and says how
 * it went, once, and takes the word out of the address so a reload does not say it again.
 */

export type CheckoutOutcome = "paid" | "subscribed" | "managed" | "cancelled";
const OUTCOMES: readonly string[] = ["paid", "subscribed", "managed", "cancelled"];

export const useCheckoutOutcome = create<{ outcome: CheckoutOutcome | null; dismiss(): void }>((set) => ({
  outcome: null,
  dismiss: () => set({ outcome: null }),
}));

/** Reads the address once (the right panel calls it when it first shows). */
export function takeCheckoutReturn(): void {
  const url = new URL(window.location.href);
  const word = url.searchParams.get("billing");
  if (word === null || !OUTCOMES.includes(word)) return;
  url.searchParams.delete("billing");
  window.history.replaceState(window.history.state, "", url);
  useCheckoutOutcome.setState({ outcome: word as CheckoutOutcome });
  useUi.getState().setRightTab("usage");
}
