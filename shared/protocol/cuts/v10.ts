import type { HelloPayload } from "../hello";
import type { Cut } from "./cut";

/**
 * Protocol 10 → 9. Every cut converts the hello, whatever else changed: it names the
 * version the socket speaks, and a client refuses a hello of another version than its own.
 */
type Obj = Record<string, unknown>;

const hello = (h: HelloPayload): Obj => ({ ...h, protocol: 9 });
const helloUp = (h: Obj): Obj => ({ ...h, protocol: 10 });

export const cut10: Cut = {
  from: 10,
  methods: [],
  events: { hello },
  results: {},
  up: {
    events: { hello: helloUp },
    results: {},
  },
};
