import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { protocolFingerprint } from "./fingerprint";
import { wireSchemas } from "./wire-schemas";
import {
  OLDEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  protocolUnsupportedReason,
  serverProtocolsFromReason,
} from "../protocol/version";

const lockPath = fileURLToPath(new URL("../protocol/schema-lock.json", import.meta.url));

describe("protocol version lock", () => {
  it("fails when a schema changes without a PROTOCOL_VERSION bump", async () => {
    const hash = await protocolFingerprint();
    const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { version: number; hash: string };
    // The current version's lock moves with it until the next bump (it describes what this
    // server speaks, and a version opened for changes to come is recorded before they come);
    // the versions before it never change: their recorded schemas (versions/<n>.json) are
    // what the room checks an older client's frames against. So a re-lock may not go back.
    if (process.env.PROTOCOL_LOCK_UPDATE === "1" && (lock.hash !== hash || lock.version !== PROTOCOL_VERSION)) {
      expect(PROTOCOL_VERSION, "the lock names a newer version than shared/protocol/version.ts").toBeGreaterThanOrEqual(
        lock.version,
      );
      writeFileSync(lockPath, `${JSON.stringify({ version: PROTOCOL_VERSION, hash }, null, 2)}\n`);
      // What this version's clients receive, kept for the room's checks once it is the previous one.
      writeFileSync(
        fileURLToPath(new URL(`../protocol/versions/${PROTOCOL_VERSION}.json`, import.meta.url)),
        JSON.stringify(wireSchemas()),
      );
      return;
    }
    expect(
      { version: PROTOCOL_VERSION, hash },
      "the wire schemas changed: bump PROTOCOL_VERSION, then run `npm run protocol:lock`",
    ).toEqual(lock);
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
