import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CAPABILITIES } from "../protocol/capabilities";
import { CUTS, errorFor, eventFor, eventFrom } from "../protocol/cuts/index";
import { DurableEvents, EphemeralEvents } from "../protocol/events";
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from "../protocol/version";
import { lockProblems, wireDescription, wireWithoutCapabilities } from "./protocol-lock";
import { diffProtocol } from "./schema-diff";
import { wireSchemas } from "./wire-schemas";

type Recorded = ReturnType<typeof wireSchemas>;
const recorded = (version: number): Recorded =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`../protocol/versions/${version}.json`, import.meta.url)), "utf8"),
  ) as Recorded;

describe("protocol cuts", () => {
  it("a hello names the version it is in, down to the oldest spoken and back up", () => {
    // A client refuses a hello of another version than its own, so every cut converts it.
    for (let version = OLDEST_PROTOCOL_VERSION; version <= PROTOCOL_VERSION; version++) {
      const down = eventFor(version, "hello", { protocol: PROTOCOL_VERSION, snapshot: null });
      expect(down).toMatchObject({ protocol: version });
      expect(eventFrom(version, "hello", { protocol: version, snapshot: null })).toMatchObject({
        protocol: PROTOCOL_VERSION,
      });
    }
  });

  it("an error code a version added reaches an older socket as the code its cut names, the new one as the reason", () => {
    // As protocol 10 added payment_required (a cut that maps a code; the current one adds none).
    const cut = { from: PROTOCOL_VERSION, methods: [], events: {}, results: {}, up: { events: {}, results: {} } };
    const cuts = [{ ...cut, errors: { payment_required: "forbidden" } }];
    const older = PROTOCOL_VERSION - 1;
    const error = { code: "payment_required", message: "out of credits", details: { needed: 5 } };
    expect(errorFor(PROTOCOL_VERSION, error, cuts)).toEqual(error);
    expect(errorFor(older, error, cuts)).toEqual({
      code: "forbidden",
      message: "out of credits",
      details: { needed: 5, reason: "payment_required" },
    });
    expect(errorFor(older, { code: "not_found", message: "x" }, cuts)).toEqual({ code: "not_found", message: "x" });
    // No cut maps it: the older socket gets it as it is.
    expect(errorFor(older, error, [cut])).toEqual(error);
  });

  it("the current version's wire schemas are recorded (npm run protocol:lock), up to what it may add", () => {
    // The record is what a socket of this version that asked for no capability may receive.
    // The code may have grown since, as the lock lets it (protocol-version.test.ts): what
    // every client takes (a property) is recorded at the next protocol:lock, what an older
    // client cannot parse belongs to a capability and is never recorded as the version's.
    const current = JSON.parse(JSON.stringify(wireSchemas())) as Recorded;
    const changes = diffProtocol(wireDescription(recorded(PROTOCOL_VERSION)), wireDescription(current));
    expect(lockProblems(changes, PROTOCOL_VERSION, CAPABILITIES, { staleClaims: false })).toEqual([]);
    // And recorded now, not at the next bump: after it, the room's strict checks of this
    // version's sockets read the record, and it can no longer be written.
    expect(
      JSON.stringify(recorded(PROTOCOL_VERSION)) ===
        JSON.stringify(wireWithoutCapabilities(recorded(PROTOCOL_VERSION), current, PROTOCOL_VERSION, CAPABILITIES)),
      "what this version's sockets receive grew: run npm run protocol:lock",
    ).toBe(true);
  });

  it("a cut for every version the room still speaks, and each covers every shape that changed", () => {
    for (let from = PROTOCOL_VERSION; from > OLDEST_PROTOCOL_VERSION; from--) {
      const cut = CUTS.find((c) => c.from === from);
      expect(cut, `no cut from ${from} to ${from - 1}`).toBeDefined();
      const [newer, older] = [recorded(from), recorded(from - 1)];
      for (const part of ["events", "results"] as const) {
        const handled = part === "events" ? cut!.events : cut!.results;
        for (const [name, schema] of Object.entries(newer[part])) {
          if (!(name in older[part])) continue; // new in `from`
          const changed = JSON.stringify(schema) !== JSON.stringify(older[part][name]);
          expect(
            changed ? name in handled : true,
            `${part} ${name} changed from ${from - 1} to ${from} and the cut does not convert it`,
          ).toBe(true);
        }
      }
      // A method's result is recorded per method: the ones an older version lacks are new.
      const added = Object.keys(newer.results).filter((name) => !(name in older.results));
      expect([...cut!.methods].sort(), `the methods new in ${from}`).toEqual(added.sort());
      for (const name of Object.keys(newer.events)) {
        if (name in older.events) continue;
        if (Object.hasOwn(EphemeralEvents, name))
          expect(
            cut!.events[name]?.(undefined as never),
            `the new ephemeral event ${name} must be dropped for ${from - 1}`,
          ).toBeNull();
        else expect(Object.hasOwn(DurableEvents, name)).toBe(true); // goes as an unknown event, with its seq
      }
    }
  });
});
