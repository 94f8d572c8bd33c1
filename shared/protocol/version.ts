/**
 * Wire protocol versions of the Autopilot socket, and the window of versions a room speaks.
 *
 * Bump PROTOCOL_VERSION when a schema in this folder loses something or changes what it means,
 * with a cut (`cuts/`) that turns each frame of the new version into the one before it; an
 * additive change needs none (a method, an optional field, and, named in a capability
 * (capabilities.ts), an event or an enum value). `shared/test/protocol-version.test.ts` tells
 * which against the version's baseline (`versions/<n>.protocol.json`); `npm run protocol:lock`
 * records a bump's baseline and the version's wire schemas (`versions/<n>.json`).
 *
 * A client asks for its version (`?protocol=`); one in the window gets every frame in its own
 * version's shapes, one outside it is refused with close 4008 (terminal) and a reason naming the
 * range (`protocolUnsupportedReason`), so it can tell its user to update. Stored documents are
 * versioned apart from this (party/records): old rows are upgraded on read.
 */

/** A version and the day it was released (UTC), oldest first; the last is the current one. */
export interface ProtocolRelease {
  readonly version: number;
  readonly released: string;
}

/**
 * Every version the window can hold. Versions before 17 left before the window was promised
 * and do not come back.
 */
export const RELEASES: readonly ProtocolRelease[] = [
  { version: 17, released: "2026-11-27" },
  { version: 18, released: "2026-11-27" },
  { version: 19, released: "2026-11-28" },
];

export const PROTOCOL_VERSION = 19;

/** The promise (docs/protocol.md "The window"): every version released in the last 90 days… */
export const WINDOW_DAYS = 90;
/** …and never fewer than the last six… */
export const WINDOW_VERSIONS = 6;
/** …and a version leaves only after its clients were told for this long (the hello's `deprecated`). */
export const NOTICE_DAYS = 30;

/** The oldest version the window holds today (the first in RELEASES until versions leave it). */
export const OLDEST_PROTOCOL_VERSION = RELEASES[0]!.version;

const DAY_MS = 24 * 60 * 60 * 1000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const addDays = (day: string, days: number): string => dayOf(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
const later = (a: string, b: string): string => (a > b ? a : b);

/**
 * The last day a version is spoken, or null while nothing is scheduled (it is one of the last
 * six): 90 days after its release, and at least 30 days after the release that made it the
 * seventh newest, so that every client is told a month ahead. `announced` (an operator's
 * `PROTOCOL_RETIREMENTS`, for rehearsing a retirement) replaces it for the versions it names.
 */
export function removedAfter(
  version: number,
  releases: readonly ProtocolRelease[] = RELEASES,
  announced: Readonly<Record<number, string>> = {},
): string | null {
  if (announced[version] !== undefined) return announced[version]!;
  const at = releases.findIndex((release) => release.version === version);
  if (at < 0) return null;
  const pushedOut = releases[at + WINDOW_VERSIONS];
  if (!pushedOut) return null;
  return later(addDays(releases[at]!.released, WINDOW_DAYS), addDays(pushedOut.released, NOTICE_DAYS));
}

/** What a hello tells a client whose version leaves the window within NOTICE_DAYS. */
export interface Deprecation {
  /** The last day (UTC, YYYY-MM-DD) the version is spoken; the day after, it is refused with 4008. */
  removedAfter: string;
  /** What to do, in words (how to install the current client). */
  upgrade: string;
}

/** The versions a room speaks on `day`, and what it tells the clients of those about to leave. */
export interface ProtocolWindow {
  readonly oldest: number;
  readonly newest: number;
  speaks(version: number): boolean;
  /** The notice for a client of `version`, or null when its version is not leaving within NOTICE_DAYS. */
  deprecation(version: number): Deprecation | null;
}

export const UPGRADE_ADVICE =
  "install the current client: npm install <this server>/autopilot-client.tgz (or reload the app)";

export function protocolWindow(
  now: number,
  options: { releases?: readonly ProtocolRelease[]; announced?: Readonly<Record<number, string>> } = {},
): ProtocolWindow {
  const releases = options.releases ?? RELEASES;
  const announced = options.announced ?? {};
  const today = dayOf(now);
  const ends = new Map(releases.map(({ version }) => [version, removedAfter(version, releases, announced)]));
  // The current version is always spoken, whatever an announcement says.
  const newest = releases[releases.length - 1]!.version;
  const speaks = (version: number) =>
    ends.has(version) && (version === newest || ends.get(version) === null || today <= ends.get(version)!);
  const spoken = releases.filter(({ version }) => speaks(version));
  return {
    oldest: spoken[0]!.version,
    newest,
    speaks,
    deprecation(version) {
      const end = ends.get(version);
      // The current version is told only what an operator announced (its own schedule has no end).
      if (!end || !speaks(version) || addDays(end, -NOTICE_DAYS) > today) return null;
      return { removedAfter: end, upgrade: UPGRADE_ADVICE };
    },
  };
}

/**
 * An operator's announced retirements (the `PROTOCOL_RETIREMENTS` var, `{"17":"2027-03-01"}`):
 * versions to the last day they are spoken. Anything malformed is left out.
 */
export function parseRetirements(value: string | undefined): Record<number, string> {
  if (!value) return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    const out: Record<number, string> = {};
    for (const [version, day] of Object.entries(parsed as Record<string, unknown>))
      if (/^\d{1,4}$/.test(version) && typeof day === "string" && ISO_DAY.test(day)) out[Number(version)] = day;
    return out;
  } catch {
    return {};
  }
}

/** A version this code has shapes for (the window decides whether it is spoken today). */
export const isKnownProtocol = (version: number): boolean => RELEASES.some((release) => release.version === version);

/** The version a connect asks for (`?protocol=`; the current one when absent), or null for one this room does not know. */
export function requestedProtocol(value: string | null): number | null {
  if (value === null) return PROTOCOL_VERSION;
  if (!/^\d{1,4}$/.test(value)) return null;
  return isKnownProtocol(Number(value)) ? Number(value) : null;
}

/** Close reason of a 4008: which version was refused and which ones the server speaks. */
export function protocolUnsupportedReason(
  requested: string,
  window: Pick<ProtocolWindow, "oldest" | "newest"> = { oldest: OLDEST_PROTOCOL_VERSION, newest: PROTOCOL_VERSION },
): string {
  // A close reason is at most 123 bytes; the requested value comes from the client.
  return `protocol ${requested.slice(0, 12)} is not supported: this server speaks protocols ${window.oldest} to ${window.newest}`;
}

/**
 * The versions a 4008 reason names, or null for a reason in another form. Servers before
 * the range named one version ("speaks protocol 7").
 */
export function serverProtocolsFromReason(reason: string): { oldest: number; newest: number } | null {
  const range = /server speaks protocols (\d+) to (\d+)/.exec(reason);
  if (range) return { oldest: Number(range[1]), newest: Number(range[2]) };
  const single = /server speaks protocol (\d+)/.exec(reason);
  return single ? { oldest: Number(single[1]), newest: Number(single[1]) } : null;
}
