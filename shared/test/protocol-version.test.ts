import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { protocolFingerprint } from "./fingerprint";
import { PROTOCOL_VERSION, protocolUnsupportedReason, serverProtocolFromReason } from "../protocol/version";

const lockPath = fileURLToPath(new URL("../protocol/schema-lock.json", import.meta.url));

describe("protocol version lock", () => {
  it("fails when a schema changes without a PROTOCOL_VERSION bump", async () => {
    const hash = await protocolFingerprint();
    const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { version: number; hash: string };
    if (process.env.PROTOCOL_LOCK_UPDATE === "1" && lock.hash !== hash) {
      // Re-locking is only allowed together with a bump: the same version must never
      // describe two different wire formats.
      expect(PROTOCOL_VERSION, "bump PROTOCOL_VERSION in shared/protocol/version.ts first").toBeGreaterThan(lock.version);
      writeFileSync(lockPath, `${JSON.stringify({ version: PROTOCOL_VERSION, hash }, null, 2)}\n`);
      return;
    }
    expect({ version: PROTOCOL_VERSION, hash }, "the wire schemas changed: bump PROTOCOL_VERSION, then run `npm run protocol:lock`").toEqual(lock);
  });

  it("a 4008 reason names the server's version and fits in a close frame", () => {
    const reason = protocolUnsupportedReason("3");
    expect(reason).toBe(`protocol 3 is not supported: this server speaks protocol ${PROTOCOL_VERSION}`);
    expect(serverProtocolFromReason(reason)).toBe(PROTOCOL_VERSION);
    expect(serverProtocolFromReason("nope")).toBeNull();
    // The requested value comes from the client: a long one is cut, the reason stays <= 123 bytes.
    const long = protocolUnsupportedReason("9".repeat(500));
    expect(new TextEncoder().encode(long).byteLength).toBeLessThanOrEqual(123);
    expect(serverProtocolFromReason(long)).toBe(PROTOCOL_VERSION);
  });
});
