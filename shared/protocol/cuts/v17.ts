import type { HelloPayload } from "../hello";
import { peopleOf } from "../../presence-people";
import type { PresenceEntry } from "../presence";
import type { Cut } from "./cut";

/**
 * Protocol 17 → 16. Added in 17: presence that does not grow. The hello's `presence` summary
 * (counts, the first people to arrive, the viewer's own sockets) on every hello, the
 * `presence.summary` and `presence.own` events; the snapshot no longer lists every socket.
 *
 * A client of 16 gets what it got: the room fills its snapshot's page of sockets itself
 * (kernel/connections/snapshot.ts) and sends it `presence.diff`, which 17 never gets; this cut
 * drops what 16 does not know and, for a hello given no page, says nobody is listed.
 */
type Obj = Record<string, unknown>;

/** A 16 snapshot: the page of sockets the room gave it, or none. */
function snapshotFor16(snapshot: Obj): Obj {
  const more = (snapshot.more ?? {}) as Obj;
  return {
    ...snapshot,
    presence: snapshot.presence ?? [],
    more: { ...more, presence: more.presence ?? 0, presenceNext: more.presenceNext ?? null },
  };
}

function helloFor16(hello: HelloPayload): Obj {
  const { presence: _summary, snapshot, ...rest } = hello;
  return { ...rest, snapshot: snapshot ? snapshotFor16(snapshot as unknown as Obj) : null, protocol: 16 };
}

/** A 16 server's hello in 17: its page of sockets, told as people (the first to arrive, as 17 orders them). */
function helloUpTo17(hello: Obj): Obj {
  const snapshot = hello.snapshot as Obj | null;
  const entries = (snapshot?.presence ?? []) as PresenceEntry[];
  const more = (snapshot?.more ?? {}) as Obj;
  const shown = peopleOf(entries);
  const summary = {
    people: shown.length,
    connections: entries.length + Number(more.presence ?? 0),
    shown,
    own: 0,
  };
  if (!snapshot) return { ...hello, presence: summary, protocol: 17 };
  const { presence: _entries, ...kept } = snapshot;
  const { presence: _left, presenceNext: _next, ...keptMore } = more;
  return { ...hello, snapshot: { ...kept, more: keptMore }, presence: summary, protocol: 17 };
}

export const cut17: Cut = {
  from: 17,
  methods: [],
  events: {
    hello: helloFor16,
    "presence.summary": () => null,
    "presence.own": () => null,
  },
  results: {},
  up: {
    events: { hello: helloUpTo17 },
    results: {},
  },
};
