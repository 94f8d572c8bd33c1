import { startTransition, useActionState, useOptimistic } from "react";
import { errorText } from "./api";

interface Outcome {
  error: string | null;
  note: string | null;
}
const IDLE: Outcome = { error: null, note: null };

/**
 * Async work a form or a button starts, as a React action: `pending` while it runs, with
 * `running` holding its payload (which of several buttons was pressed); afterwards either
 * `error` (what went wrong, as a sentence) or `note` (the text the work resolved with).
 * Both are hidden while it runs again, so an old outcome never sits next to a new attempt.
 * Runs queue: React starts the next one when the last has settled.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: most actions are `async () => { … }`, whose type is Promise<void>
export function useAction<P = void>(work: (payload: P) => Promise<string | null | void>) {
  const [outcome, dispatch, pending] = useActionState(async (_previous: Outcome, payload: P): Promise<Outcome> => {
    try {
      return { error: null, note: (await work(payload)) ?? null };
    } catch (error) {
      return { error: errorText(error), note: null };
    }
  }, IDLE);
  // Optimistic state lives exactly as long as the transition: the payload shows while the run is pending.
  const [running, setRunning] = useOptimistic<{ payload: P } | null>(null);
  const run = (payload: P) =>
    startTransition(() => {
      setRunning({ payload });
      dispatch(payload);
    });
  return {
    run,
    pending,
    running: running?.payload,
    error: pending ? null : outcome.error,
    note: pending ? null : outcome.note,
  };
}
