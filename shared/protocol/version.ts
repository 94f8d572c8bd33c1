/**
 * Wire protocol versions of the Autopilot socket. Bump PROTOCOL_VERSION when a schema in this
 * folder loses something or changes what it means; an additive change needs none (a method, an
 * optional field, and, named in a capability (capabilities.ts), an event or an enum value).
 * `shared/test/protocol-version.test.ts` tells which against the version's baseline
 * (`versions/<n>.protocol.json`); `npm run protocol:lock` records a bump's baseline and the
 * version's wire schemas (`versions/<n>.json`).
 *
 * A room speaks a range: the current version back to OLDEST_PROTOCOL_VERSION. A client asks
 * for its version (`?protocol=`); one in the range gets every frame in its own version's
 * shapes (`cuts/`: each cut turns a newer frame into the older one), one outside it is refused with close 4008 (terminal) and a reason naming
 * the range (`protocolUnsupportedReason`), so it can tell its user to update. Stored
 * documents are versioned apart from this (party/records): old rows are upgraded on read.
 */
export const PROTOCOL_VERSION = 19;

/**
 * The oldest version a room still speaks. Clients installed on 17 and 18 keep working while
 * 19 is current: agents run for months on the client they installed, so a bump no longer
 * retires the version before it.
 */
export const OLDEST_PROTOCOL_VERSION = 17;

export const isSupportedProtocol = (version: number): boolean =>
  Number.isInteger(version) && version >= OLDEST_PROTOCOL_VERSION && version <= PROTOCOL_VERSION;

/** The version a connect asks for (`?protocol=`; the current one when absent), or null for one this room does not speak. */
export function requestedProtocol(value: string | null): number | null {
  if (value === null) return PROTOCOL_VERSION;
  if (!/^\d{1,4}$/.test(value)) return null;
  return isSupportedProtocol(Number(value)) ? Number(value) : null;
}

/** Close reason of a 4008: which version was refused and which ones the server speaks. */
export function protocolUnsupportedReason(requested: string): string {
  // A close reason is at most 123 bytes; the requested value comes from the client.
  return `protocol ${requested.slice(0, 12)} is not supported: this server speaks protocols ${OLDEST_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`;
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
