/**
 * A cut: what changed on the wire from one protocol version to the one before it, as
 * functions that turn a frame's payload of the newer version into the older one's. The
 * room applies the cuts from its version down to a client's (index.ts); each cut lists
 * every event and method result whose shape changed, and a test compares that list with
 * the recorded wire schemas of both versions (shared/protocol/versions/), so a change no
 * cut covers fails.
 */
export interface Cut {
  /** The newer version; the cut produces `from - 1`. */
  from: number;
  /**
   * Per event, the older payload; `null` drops the event. Only ephemeral events may be
   * dropped: a durable one keeps its `seq`, and an older client takes an event it does not
   * know as an unknown one (every version since 1 does), so resuming stays exact.
   */
  events: Record<string, (payload: never) => unknown>;
  /**
   * Methods new in `from`. A client of an older version gets `unknown_method` for them, as
   * its own server would answer (the room refuses them before anything else).
   */
  methods: readonly string[];
  /**
   * Error codes new in `from`, each as the older code a client of `from - 1` gets instead (with
   * `details.reason` naming the new code, so the meaning is not lost).
   */
  errors?: Record<string, string>;
  /** Per method, the older result. Methods new in `from` are absent (an older client cannot call them). */
  results: Record<string, (payload: never) => unknown>;
  /**
   * The other way, for a client of `from` talking to a server of `from - 1`: the older
   * payload with what `from` added filled in as that version defines it for old data.
   */
  up: {
    events: Record<string, (payload: never) => unknown>;
    results: Record<string, (payload: never) => unknown>;
  };
}

/**
 * The results that carry an approval: the approvals' own, the go-ahead's, and the instances'
 * methods, each answered with the approval it files. A cut that changes how an approval looks
 * changes these (v15.ts, v16.ts, v19.ts).
 */
export const APPROVAL_RESULTS = [
  "approvals.get",
  "approvals.list",
  "approvals.request",
  "approvals.resolve",
  "chat.goAhead",
  "instances.backup",
  "instances.configureChannel",
  "instances.delete",
  "instances.disconnectChannel",
  "instances.link",
  "instances.provision",
  "instances.restart",
  "instances.restore",
  "instances.setChannelAccess",
  "instances.startChat",
  "instances.unpair",
] as const;
