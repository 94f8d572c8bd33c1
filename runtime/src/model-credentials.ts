// Per-instance credentials for the model pass-through: each gateway start gets a fresh random
// one (in its environment, never on disk), the runtime keeps only its hash, and stopping or
// deleting the instance revokes it. Lookup by the presented value's SHA-256, so the
// comparison never runs over the secret itself.
import { createHash, randomBytes } from "node:crypto";
import type { InstanceRef } from "../../shared/runtime/requests";
import { refKey } from "./ids";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

export class ModelCredentials {
  private readonly byHash = new Map<string, InstanceRef>();
  private readonly hashByInstance = new Map<string, string>();

  /** A new credential for the instance; the previous one stops working. */
  issue(ref: InstanceRef): string {
    this.revoke(ref);
    const credential = `oc-${randomBytes(32).toString("base64url")}`;
    const hash = digest(credential);
    this.byHash.set(hash, { ...ref });
    this.hashByInstance.set(refKey(ref), hash);
    return credential;
  }

  revoke(ref: InstanceRef): void {
    const key = refKey(ref);
    const hash = this.hashByInstance.get(key);
    if (hash === undefined) return;
    this.byHash.delete(hash);
    this.hashByInstance.delete(key);
  }

  /** The instance a presented credential belongs to, or undefined. */
  verify(presented: string): InstanceRef | undefined {
    if (presented.length === 0 || presented.length > 256) return undefined;
    return this.byHash.get(digest(presented));
  }
}
