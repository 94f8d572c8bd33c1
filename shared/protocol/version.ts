/**
 * Wire protocol version of the Autopilot socket. Bump it whenever any schema in this
 * folder changes shape; `shared/test/protocol-version.test.ts` fails until the bump is
 * recorded with `npm run protocol:lock`.
 *
 * A room speaks exactly this version. A client asking for any other (`?protocol=`) is
 * refused with close 4008 (terminal) and a reason naming the server's version
 * (`protocolUnsupportedReason`), so it can tell its user to update instead of parsing
 * shapes it does not know. (Rooms once accepted 1–4 but sent every one of them v4 shapes,
 * which an older client could not always parse.) Stored documents are versioned apart
 * from this (party/records): old rows are upgraded on read, whatever the protocol.
 */
export const PROTOCOL_VERSION = 8;

/** Close reason of a 4008: which version was refused and which one the server speaks. */
export function protocolUnsupportedReason(requested: string): string {
  // A close reason is at most 123 bytes; the requested value comes from the client.
  return `protocol ${requested.slice(0, 12)} is not supported: this server speaks protocol ${PROTOCOL_VERSION}`;
}

/** The server version a 4008 reason names, or null for a reason in another form. */
export function serverProtocolFromReason(reason: string): number | null {
  const match = /server speaks protocol (\d+)/.exec(reason);
  return match ? Number(match[1]) : null;
}
