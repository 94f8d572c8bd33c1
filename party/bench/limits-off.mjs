/**
 * Worker vars that lift the room's limits out of a benchmark's way: its readers are one
 * person's sockets (the per-principal cap would refuse all but 32 of them, and their
 * resumes at once would pass the principal's and the workspace's request rates), and its
 * writer sends as fast as the room answers. The benchmarks measure the room, not the limits.
 * Each suite signs up its own people: past ten sign-ups in one auth window (a run on a fast
 * machine reaches it) the next one is refused, so the window is a second, as the end-to-end tests' is.
 */
export const LIMITS_OFF = {
  RATE_LIMIT_BURST: "100000",
  RATE_LIMIT_PER_SECOND: "100000",
  PRINCIPAL_RATE_LIMIT_BURST: "100000",
  PRINCIPAL_RATE_LIMIT_PER_SECOND: "100000",
  WORKSPACE_RATE_LIMIT_BURST: "100000",
  WORKSPACE_RATE_LIMIT_PER_SECOND: "100000",
  MAX_CONNECTIONS_PER_PRINCIPAL: "10000",
  AUTH_RATE_LIMIT_WINDOW_S: "1",
};
