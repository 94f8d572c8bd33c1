import { describe, expect, it } from "vitest";
import {
  NOTICE_DAYS,
  parseRetirements,
  PROTOCOL_VERSION,
  protocolUnsupportedReason,
  protocolWindow,
  RELEASES,
  removedAfter,
  requestedProtocol,
  WINDOW_DAYS,
  WINDOW_VERSIONS,
  type ProtocolRelease,
} from "../protocol/version";

const at = (day: string) => Date.parse(`${day}T12:00:00Z`);

/** Versions 1..n, one every `every` days from 2027-01-01. */
function releases(n: number, every: number): ProtocolRelease[] {
  return Array.from({ length: n }, (_, i) => ({
    version: i + 1,
    released: new Date(Date.parse("2027-01-01T00:00:00Z") + i * every * 86_400_000).toISOString().slice(0, 10),
  }));
}

describe("the protocol window", () => {
  it("is the promise docs/protocol.md states: 90 days, never fewer than six, a month's notice", () => {
    expect([WINDOW_DAYS, WINDOW_VERSIONS, NOTICE_DAYS]).toEqual([90, 6, 30]);
    // The releases are in order, one per version, and the last is the current one.
    expect(RELEASES.at(-1)!.version).toBe(PROTOCOL_VERSION);
    for (let i = 1; i < RELEASES.length; i++) {
      expect(RELEASES[i]!.version).toBe(RELEASES[i - 1]!.version + 1);
      expect(RELEASES[i]!.released >= RELEASES[i - 1]!.released).toBe(true);
    }
  });

  it("speaks every version released today: 17 to the current one, none of them leaving", () => {
    const window = protocolWindow(at("2026-11-28"));
    expect([window.oldest, window.newest]).toEqual([17, PROTOCOL_VERSION]);
    for (const { version } of RELEASES) {
      expect(window.speaks(version)).toBe(true);
      expect(window.deprecation(version)).toBeNull();
    }
    expect(window.speaks(16)).toBe(false);
    expect(requestedProtocol("16")).toBeNull();
    // Fewer than seven versions: nothing is scheduled to leave, however long from now.
    expect(protocolWindow(at("2030-01-01")).oldest).toBe(17);
    expect(removedAfter(17)).toBeNull();
  });

  it("keeps the last six however old they are", () => {
    // Seven versions a year apart: only the oldest can leave, and not before the seventh's release + 30 days.
    const yearly = releases(7, 365);
    expect(removedAfter(1, yearly)).toBe("2033-01-29");
    for (let version = 2; version <= 7; version++) expect(removedAfter(version, yearly)).toBeNull();
    const window = protocolWindow(at("2033-01-10"), { releases: yearly });
    expect(window.speaks(1)).toBe(true);
    expect(window.deprecation(1)).toMatchObject({ removedAfter: "2033-01-29" });
    const after = protocolWindow(at("2033-01-30"), { releases: yearly });
    expect([after.speaks(1), after.oldest]).toEqual([false, 2]);
  });

  it("keeps every version released in the last 90 days, however many came since", () => {
    // Ten versions a day apart: the first six are pushed out by the seventh on day 7, yet each stays 90 days.
    const daily = releases(10, 1);
    expect(removedAfter(1, daily)).toBe("2027-04-01");
    expect(protocolWindow(at("2027-03-01"), { releases: daily }).speaks(1)).toBe(true);
    // Told from 30 days before the last day, not earlier.
    expect(protocolWindow(at("2027-03-01"), { releases: daily }).deprecation(1)).toBeNull();
    expect(protocolWindow(at("2027-03-02"), { releases: daily }).deprecation(1)).toEqual({
      removedAfter: "2027-04-01",
      upgrade: expect.stringContaining("autopilot-client.tgz"),
    });
    expect(protocolWindow(at("2027-04-01"), { releases: daily }).speaks(1)).toBe(true);
    const later = protocolWindow(at("2027-04-02"), { releases: daily });
    expect([later.speaks(1), later.oldest, later.deprecation(1)]).toEqual([false, 2, null]);
  });

  it("an operator's announced retirement refuses an older version after its day and never the current one", () => {
    const announced = parseRetirements(`{"17":"2026-11-27","${PROTOCOL_VERSION}":"2026-12-08"}`);
    const window = protocolWindow(at("2026-11-28"), { announced });
    expect([window.speaks(17), window.oldest]).toEqual([false, 18]);
    expect(protocolUnsupportedReason("17", window)).toBe(
      `protocol 17 is not supported: this server speaks protocols 18 to ${PROTOCOL_VERSION}`,
    );
    // The current version is always spoken; its clients are told what was announced.
    expect(window.speaks(PROTOCOL_VERSION)).toBe(true);
    expect(window.deprecation(PROTOCOL_VERSION)).toMatchObject({ removedAfter: "2026-12-08" });
  });

  it("reads an operator's retirements as hostile input: anything malformed is left out", () => {
    for (const bad of [
      undefined,
      "",
      "nope",
      "[]",
      "null",
      "17",
      '{"x":"2027-01-01"}',
      '{"17":"tomorrow"}',
      '{"17":5}',
    ])
      expect(parseRetirements(bad)).toEqual({});
    expect(parseRetirements('{"17":"2027-01-01","18":"soon"}')).toEqual({ 17: "2027-01-01" });
  });
});
