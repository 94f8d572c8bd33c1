import type { HelloPayload } from "../hello";
import type { Cut } from "./cut";

/**
 * Protocol 11 → 10. Added in 11: pinned threads (`threads.pins`, `threads.pin` and the
 * ephemeral `thread.pins`, not sent to 10). Every cut converts the hello, whatever else
 * changed: it names the version the socket speaks, and a client refuses a hello of another
 * version than its own.
 */
type Obj = Record<string, unknown>;

const hello = (h: HelloPayload): Obj => ({ ...h, protocol: 10 });
const helloUp = (h: Obj): Obj => ({ ...h, protocol: 11 });

export const cut11: Cut = {
  from: 11,
  methods: ["threads.pins", "threads.pin"],
  events: { hello, "thread.pins": () => null },
  results: {},
  up: {
    events: { hello: helloUp },
    results: {},
  },
};
