/**
 * Wire protocol version of the Autopilot socket. Bump it whenever any schema in this
 * folder changes shape; `shared/test/protocol-version.test.ts` fails until the bump is
 * recorded with `npm run protocol:lock`.
 */
export const PROTOCOL_VERSION = 1;

/** Versions a room accepts from a client (`?protocol=` query parameter). */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];
