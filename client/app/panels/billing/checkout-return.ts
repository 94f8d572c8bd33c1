import { create } from "zustand";
import { useUi } from "../../stores/ui";

/**
 * Coming back from Stripe's checkout page: its success and cancel addresses carry
 * `?billing=paid|cancelled` (party/rooms/autopilot/features/billing/stripe.ts). The app opens Billing and says how
 * it went, once, and takes the word out of the address so a reload does not say it again.
 */

export type CheckoutOutcome = "paid" | "cancelled";

export const useCheckoutOutcome = create<{ outcome: CheckoutOutcome | null; dismiss(): void }>((set) => ({
  outcome: null,
  dismiss: () => set({ outcome: null }),
}));

/** Reads the address once (the right panel calls it when it first shows). */
export function takeCheckoutReturn(): void {
  const url = new URL(window.location.href);
  const word = url.searchParams.get("billing");
  if (word !== "paid" && word !== "cancelled") return;
  url.searchParams.delete("billing");
  window.history.replaceState(window.history.state, "", url);
  useCheckoutOutcome.setState({ outcome: word });
  useUi.getState().setRightTab("usage");
}
