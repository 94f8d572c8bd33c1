import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CAPABILITIES, type Capability } from "../protocol/capabilities";
import {
  OLDEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  protocolUnsupportedReason,
  serverProtocolsFromReason,
} from "../protocol/version";
import { fingerprint, protocolDescription } from "./fingerprint";
import {
  baselineOf,
  baselinePath,
  LOCK_FILES,
  type Lock,
  lockProblems,
  readJson,
  recordLock,
  type Wire,
  wirePath,
  wireWithoutCapabilities,
} from "./protocol-lock";
import { type Description, diffProtocol } from "./schema-diff";
import { wireSchemas } from "./wire-schemas";

/** The description and the wire schemas as JSON, as they are read back. */
const current = (): Description => JSON.parse(JSON.stringify(protocolDescription())) as Description;
const currentWire = (): Wire => JSON.parse(JSON.stringify(wireSchemas())) as Wire;

describe("protocol version lock", () => {
  it("fails when a schema changes a meaning, or adds what an older client cannot parse and no capability names", async () => {
    if (process.env.PROTOCOL_LOCK_UPDATE === "1") {
      await recordLock(LOCK_FILES, PROTOCOL_VERSION, current(), currentWire(), CAPABILITIES);
      return;
    }
    const baseline = baselineOf(PROTOCOL_VERSION);
    expect(baseline, `no baseline for protocol ${PROTOCOL_VERSION}: run npm run protocol:lock`).not.toBeNull();
    expect(readJson<Lock>(LOCK_FILES.lock), "the lock does not name this version's baseline").toEqual({
      version: PROTOCOL_VERSION,
      baseline: await fingerprint(baseline),
    });
    expect(lockProblems(diffProtocol(baseline!, current()), PROTOCOL_VERSION, CAPABILITIES)).toEqual([]);
  });

  it("protocol:lock opens a version once: an existing baseline is never rewritten, nor the lock taken back", async () => {
    const files = { versions: mkdtempSync(join(tmpdir(), "protocol-lock-")), lock: "" };
    files.lock = join(files.versions, "schema-lock.json");
    try {
      const description = current();
      const wire = currentWire();
      expect(await recordLock(files, 7, description, wire, [])).toBe("opened");
      const opened = readFileSync(baselinePath(7, files), "utf8");
      expect(JSON.parse(opened)).toEqual(description);
      expect(readJson(wirePath(7, files))).toEqual(wire);
      expect(readJson(files.lock)).toEqual({ version: 7, baseline: await fingerprint(description) });

      // An additive change within 7: the baseline stays, what 7's sockets receive is recorded again.
      const grown = structuredClone(description) as Record<string, any>;
      grown.methods["threads.pins"].result.properties.pinnedAt = { type: "integer" };
      const grownWire = structuredClone(wire) as Record<string, any>;
      grownWire.results["threads.pins"].properties.pinnedAt = { type: "integer" };
      expect(await recordLock(files, 7, grown as Description, grownWire as Wire, [])).toBe("recorded");
      expect(readFileSync(baselinePath(7, files), "utf8")).toBe(opened);
      expect(readJson(wirePath(7, files))).toEqual(grownWire);

      // A change of meaning within 7 is refused, and nothing is written.
      const shrunk = structuredClone(description) as Record<string, any>;
      delete shrunk.methods["threads.pins"].result.properties.pins;
      await expect(recordLock(files, 7, shrunk as Description, wire, [])).rejects.toThrow(
        /results\.threads\.pins\.pins .* bump PROTOCOL_VERSION/,
      );
      expect(readJson(wirePath(7, files))).toEqual(grownWire);

      // The next version opens with its own baseline; an older one cannot be opened after it.
      expect(await recordLock(files, 8, shrunk as Description, wire, [])).toBe("opened");
      expect(readFileSync(baselinePath(7, files), "utf8")).toBe(opened);
      expect(readJson<Lock>(files.lock).version).toBe(8);
      await expect(recordLock(files, 6, description, wire, [])).rejects.toThrow(/newer than/);
    } finally {
      rmSync(files.versions, { recursive: true, force: true });
    }
  });

  describe("what the lock lets through", () => {
    // The current baseline with one change made to it, as a change to the code would make it.
    const baseline = (): Description => baselineOf(PROTOCOL_VERSION)!;
    const changed = (edit: (d: Record<string, any>) => void): Description => {
      const after = structuredClone(baseline()) as Record<string, any>;
      edit(after);
      return after as Description;
    };
    const problems = (after: Description, capabilities: readonly Capability[] = []) =>
      lockProblems(diffProtocol(baseline(), after), PROTOCOL_VERSION, capabilities);
    const statusPath = "events.instance.updated.instance.status";
    const newStatus = (d: Record<string, any>) =>
      d.events["instance.updated"].properties.instance.properties.status.enum.push("sleeping");
    const capability = (adds: string[]): Capability => ({
      name: "instances.sleep",
      since: PROTOCOL_VERSION,
      summary: "an instance may sleep",
      adds,
      events: {},
      results: {},
    });

    it("an optional field in a result passes with no capability", () => {
      const after = changed((d) => {
        d.methods["threads.pins"].result.properties.pinnedAt = { type: "integer", minimum: 0 };
      });
      expect(problems(after)).toEqual([]);
    });

    it("an enum value in an event fails naming its path, until a capability of this version claims it", () => {
      const after = changed(newStatus);
      expect(problems(after)).toEqual([
        `${statusPath} (value "sleeping" added): an older client cannot parse it; name it in a capability (shared/protocol/capabilities.ts)`,
      ]);
      expect(problems(after, [capability([statusPath])])).toEqual([]);
      // A claim of the event as a whole covers what is inside it.
      expect(problems(after, [capability(["events.instance.updated"])])).toEqual([]);
      // A capability of an older version is part of this version's baseline: it claims nothing new.
      expect(problems(after, [{ ...capability([statusPath]), since: PROTOCOL_VERSION - 1 }])).toHaveLength(1);
      // A claim that does not match along path segments is no claim.
      expect(problems(after, [capability(["events.instance.update"])])).toHaveLength(2);
    });

    it("a capability claiming what did not change fails (a stale claim)", () => {
      expect(problems(baseline(), [capability([statusPath])])).toEqual([
        `capability instances.sleep claims ${statusPath}, which did not change since protocol ${PROTOCOL_VERSION} opened`,
      ]);
    });

    it("a removed field fails asking for a bump", () => {
      const after = changed((d) => {
        delete d.methods["threads.pins"].result.properties.pins;
      });
      expect(problems(after, [capability(["results.threads.pins"])])).toEqual([
        "results.threads.pins.pins (property pins removed) changes the meaning: bump PROTOCOL_VERSION (shared/protocol/version.ts), write its cut, run npm run protocol:lock",
      ]);
    });

    it("what a socket that asked for nothing may receive leaves a capability's additions out", () => {
      const wire = readJson<Wire>(wirePath(PROTOCOL_VERSION));
      const grown = structuredClone(wire) as Record<string, any>;
      grown.events["instance.updated"].properties.instance.properties.status.enum.push("sleeping");
      grown.results["threads.pins"].properties.pinnedAt = { type: "integer", minimum: 0 };
      grown.events["instance.slept"] = { type: "object", properties: {} };
      const claimed = [capability([statusPath, "events.instance.slept"])];
      const recorded = wireWithoutCapabilities(wire, grown as Wire, PROTOCOL_VERSION, claimed);
      // The property every client takes is recorded; the capability's enum value and event are not.
      expect(recorded.results["threads.pins"]).toEqual(grown.results["threads.pins"]);
      expect(recorded.events["instance.updated"]).toEqual(wire.events["instance.updated"]);
      expect(recorded.events).not.toHaveProperty(["instance.slept"]);
      expect(recorded).toEqual({
        ...wire,
        results: { ...wire.results, "threads.pins": grown.results["threads.pins"] },
      });
    });
  });

  it("a 4008 reason names the server's range and fits in a close frame", async () => {
    const reason = protocolUnsupportedReason("3");
    expect(reason).toBe(
      `protocol 3 is not supported: this server speaks protocols ${OLDEST_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`,
    );
    expect(serverProtocolsFromReason(reason)).toEqual({ oldest: OLDEST_PROTOCOL_VERSION, newest: PROTOCOL_VERSION });
    // A server from before the range named one version.
    expect(serverProtocolsFromReason("protocol 9 is not supported: this server speaks protocol 7")).toEqual({
      oldest: 7,
      newest: 7,
    });
    expect(serverProtocolsFromReason("nope")).toBeNull();
    // The requested value comes from the client: a long one is cut, the reason stays <= 123 bytes.
    const long = protocolUnsupportedReason("9".repeat(500));
    expect(new TextEncoder().encode(long).byteLength).toBeLessThanOrEqual(123);
    expect(serverProtocolsFromReason(long)).toEqual({ oldest: OLDEST_PROTOCOL_VERSION, newest: PROTOCOL_VERSION });
  });
});
