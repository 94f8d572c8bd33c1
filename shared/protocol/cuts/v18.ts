import type { Cut } from "./cut";

/**
 * Protocol 18 → 17. Added in 18: delivery by interest (interest.ts). A socket that connects
 * with `view` gets message bodies and streams only for the threads it views and a
 * `thread.bump` for the others; `threads.view` changes what it views.
 *
 * A client of 17 never asks for `view`, so it gets every thread's messages and streams as it
 * always did: the cut only drops the bump (never sent to it anyway) and names its version in
 * the hello. A client of 18 on a server of 17 gets everything whatever it asked to view.
 */
type Obj = Record<string, unknown>;

export const cut18: Cut = {
  from: 18,
  methods: ["threads.view"],
  events: {
    hello: (hello: Obj) => ({ ...hello, protocol: 17 }),
    "thread.bump": () => null,
  },
  results: {},
  up: {
    events: { hello: (hello: Obj) => ({ ...hello, protocol: 18 }) },
    results: {},
  },
};
