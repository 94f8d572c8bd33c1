/**
 * Wire protocol version of the Autopilot socket. Bump it whenever any schema in this
 * folder changes shape; `shared/test/protocol-version.test.ts` fails until the bump is
 * recorded with `npm run protocol:lock`.
 */
export const PROTOCOL_VERSION = 4;

/**
 * Versions a room accepts from a client (`?protocol=` query parameter). Each version only
 * added methods, events and optional fields (2: `graph.apply`; 3: `instances.*`,
 * `instance.*` events, `approval.action`, `snapshot.instances`; 4: the OpenClaw bridge — `chat.delta|final|error`,
 * `chat.abort`, `sessions.list|open|history|send`, `sessions.changed`, `thread.updated`,
 * `hello.live`, exec/pairing approval actions, gateway fields on threads, messages and
 * instances), so older clients keep
 * working; a client ignores events it does not know. (A pre-4 client cannot parse an approval whose
 * `action` is a gateway request; it skips that event and keeps its place in the log.)
 */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1, 2, 3, 4];
