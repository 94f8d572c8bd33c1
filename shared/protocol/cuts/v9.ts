import type { HelloPayload } from "../hello";
import type { Cut } from "./cut";

/**
 * Protocol 9 → 8. Added in 9: nothing on the wire yet (the range moves to 8 and 9). Every
 * cut converts the hello, whatever else changed: it names the version the socket speaks,
 * and a client refuses a hello of another version than its own.
 */
type Obj = Record<string, unknown>;

const hello = (h: HelloPayload): Obj => ({ ...h, protocol: 8 });
const helloUp = (h: Obj): Obj => ({ ...h, protocol: 9 });

export const cut9: Cut = {
  from: 9,
  events: { hello },
  results: {},
  up: {
    events: { hello: helloUp },
    results: {},
  },
};
