import type { Thread } from "../../../shared/protocol/threads";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { queuedLine } from "../lib/run-waiting";
import { useCan, useRoom } from "../stores/room";

/**
 * Under messages queued behind the Autopilot's run while it waits for approvals (protocol
 * 8): what they wait for and, for whoever may write, "Go ahead without it" — the approvals
 * are withdrawn, the run goes on without the tool, then the queued messages are answered.
 * Shown from the thread's `waiting` alone, so it leaves when the room says the run moved on.
 */
export function RunWaiting({ thread }: { thread: Thread }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const runId = thread.waiting?.runId;
  const { run, pending, error } = useAction(async () => {
    if (client && runId) await client.chat.goAhead({ runId });
  });
  const line = queuedLine(thread.waiting);
  if (!line) return null;
  return (
    <li className="message run-waiting" aria-label="Queued behind an approval">
      <p role="status">{line}</p>
      {canWrite && (
        <button type="button" className="small" disabled={pending} onClick={() => run()}>
          {pending ? "Going ahead…" : "Go ahead without it"}
        </button>
      )}
      <FormError error={error} inline />
    </li>
  );
}
