// Waiting on the real clock in a test whose clock is fake (vi.useFakeTimers), for the room's
// tests in workerd (party/test/harness.ts) and the client's in Node (client/test/fake-room.ts).

/** setTimeout as the runtime gives it, kept when this module loads, before any test installs fake timers. */
const realSetTimeout = globalThis.setTimeout;

/**
 * Waits (on the real clock) until `check` passes, for a test whose clock is fake: it leaves
 * the fake clock where it is, where vi.waitFor would advance it.
 */
export async function untilReal(check: () => void, timeoutMs = 5000): Promise<void> {
  for (let waited = 0; ; waited += 10) {
    try {
      check();
      return;
    } catch (error) {
      if (waited >= timeoutMs) throw error;
      await new Promise((resolve) => realSetTimeout(resolve, 10));
    }
  }
}
