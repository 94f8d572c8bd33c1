/**
 * Wire protocol version of the Autopilot socket. Bump it whenever any schema in this
 * folder changes shape; `shared/test/protocol-version.test.ts` fails until the bump is
 * recorded with `npm run protocol:lock`.
 */
export const PROTOCOL_VERSION = 2;

/**
 * Versions a room accepts from a client (`?protocol=` query parameter). Version 2 only
 * added `graph.apply`: a version-1 client never sends it and understands every frame it
 * gets, so both are served.
 */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1, 2];
