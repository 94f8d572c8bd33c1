import type { Cut } from "./cut";

/**
 * Protocol 19 → 18. Added in 19: what the sixth round of fixes needed on the wire (each
 * change below names itself). A client of 18 gets every frame it knows in its own shapes.
 */
type Obj = Record<string, unknown>;

export const cut19: Cut = {
  from: 19,
  methods: [],
  events: {
    hello: (hello: Obj) => ({ ...hello, protocol: 18 }),
  },
  results: {},
  up: {
    events: { hello: (hello: Obj) => ({ ...hello, protocol: 19 }) },
    results: {},
  },
};
