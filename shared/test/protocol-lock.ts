import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Capability } from "../protocol/capabilities";
import { fingerprint } from "./fingerprint";
import { claims, type Description, diffProtocol, type SchemaChange } from "./schema-diff";

type Json = Record<string, unknown>;
export type Wire = { events: Record<string, unknown>; results: Record<string, unknown> };

/**
 * The protocol lock: each version's description as it was when the version was opened (its
 * baseline, `versions/<n>.protocol.json`), and what may change in the code while that version
 * is current: additive changes, each that an older client could not parse named by a
 * capability of that version. Anything that changes a meaning needs the next version.
 */

/** Where the lock lives: the versions' folder and the lock file. */
export interface LockFiles {
  versions: string;
  lock: string;
}
export const LOCK_FILES: LockFiles = {
  versions: fileURLToPath(new URL("../protocol/versions/", import.meta.url)),
  lock: fileURLToPath(new URL("../protocol/schema-lock.json", import.meta.url)),
};
/** The lock names the version whose baseline is the newest, and that baseline's hash (a hand edit of it shows). */
export interface Lock {
  version: number;
  baseline: string;
}

export const baselinePath = (version: number, files = LOCK_FILES): string =>
  join(files.versions, `${version}.protocol.json`);
export const wirePath = (version: number, files = LOCK_FILES): string => join(files.versions, `${version}.json`);
export const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;
export const baselineOf = (version: number, files = LOCK_FILES): Description | null =>
  existsSync(baselinePath(version, files)) ? readJson<Description>(baselinePath(version, files)) : null;

/**
 * One line per frame, method and event: a version's baseline next to the one before it
 * diffs by what changed, and the file stays near the size of its compact form.
 */
function lines(description: Description): string {
  const part = (name: string, entries: Record<string, unknown>) =>
    `  ${JSON.stringify(name)}: {\n${Object.entries(entries)
      .map(([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)}`)
      .join(",\n")}\n  }`;
  return `{\n${(["frames", "methods", "events"] as const).map((name) => part(name, description[name] ?? {})).join(",\n")}\n}\n`;
}

/**
 * What `npm run protocol:lock` writes. For a version with no baseline (a bump): its baseline,
 * its wire schemas and the lock; the lock does not go back to an older version. For one that
 * has its baseline: that stays as it is, and once the code's changes are ones the version may
 * take, what its sockets may receive is recorded again (an added property is theirs too).
 */
export async function recordLock(
  files: LockFiles,
  version: number,
  description: Description,
  wire: Wire,
  capabilities: readonly Capability[],
): Promise<"opened" | "recorded"> {
  const baseline = baselineOf(version, files);
  if (!baseline) {
    const lock = existsSync(files.lock) ? readJson<Lock>(files.lock) : null;
    if (lock && lock.version > version)
      throw new Error(`the lock names protocol ${lock.version}, newer than shared/protocol/version.ts's ${version}`);
    writeFileSync(baselinePath(version, files), lines(description));
    writeFileSync(wirePath(version, files), JSON.stringify(wire));
    const written: Lock = { version, baseline: await fingerprint(description) };
    writeFileSync(files.lock, `${JSON.stringify(written, null, 2)}\n`);
    return "opened";
  }
  const problems = lockProblems(diffProtocol(baseline, description), version, capabilities);
  if (problems.length) throw new Error(problems.join("\n"));
  const recorded = readJson<Wire>(wirePath(version, files));
  writeFileSync(
    wirePath(version, files),
    JSON.stringify(wireWithoutCapabilities(recorded, wire, version, capabilities)),
  );
  return "recorded";
}

const BUMP =
  "changes the meaning: bump PROTOCOL_VERSION (shared/protocol/version.ts), write its cut, run npm run protocol:lock";
const NAME_IT = "name it in a capability (shared/protocol/capabilities.ts)";

/**
 * What keeps `changes` (from the current version's baseline to the code) from being locked,
 * one line each; empty when they may ship as `version`. A capability of `version` claims a
 * change when one of its `adds` is the change's path or a path the change is inside; a claim
 * that matches no change is stale (the thing was renamed or taken out again); `staleClaims:
 * false` for a diff of part of the protocol (the wire schemas hold no params).
 */
export function lockProblems(
  changes: readonly SchemaChange[],
  version: number,
  capabilities: readonly Capability[],
  { staleClaims = true }: { staleClaims?: boolean } = {},
): string[] {
  const own = capabilities.filter((capability) => capability.since === version);
  const claimedBy = (path: string) => own.find((capability) => capability.adds.some((entry) => claims(entry, path)));
  const problems: string[] = [];
  for (const change of changes) {
    if (!change.additive) problems.push(`${change.path} (${change.detail}) ${BUMP}`);
    else if (change.needsCapability && !claimedBy(change.path))
      problems.push(`${change.path} (${change.detail}): an older client cannot parse it; ${NAME_IT}`);
  }
  for (const capability of staleClaims ? own : [])
    for (const entry of capability.adds)
      if (!changes.some((change) => claims(entry, change.path)))
        problems.push(
          `capability ${capability.name} claims ${entry}, which did not change since protocol ${version} opened`,
        );
  return problems;
}

/** Wire schemas (`wireSchemas()`) in the frame `diffProtocol` reads. */
export const wireDescription = (wire: Wire): Description => ({
  events: wire.events,
  methods: Object.fromEntries(Object.entries(wire.results).map(([name, result]) => [name, { result }])),
});

/**
 * What a socket of the current version that asked for no capability may receive: the wire
 * schemas as the code has them, with each change a capability of `version` claims put back
 * as `recorded` had it (a new event left out). So additions every client takes (a property)
 * are recorded as this version's, and the room's checks of its sockets after the next bump
 * accept them; what a capability adds stays the capability's.
 */
export function wireWithoutCapabilities(
  recorded: Wire,
  current: Wire,
  version: number,
  capabilities: readonly Capability[],
): Wire {
  const out = structuredClone(wireDescription(current)) as Required<Pick<Description, "events" | "methods">>;
  const from = wireDescription(recorded) as Record<string, unknown>;
  const own = capabilities.filter((capability) => capability.since === version);
  const claimed = diffProtocol(wireDescription(recorded), wireDescription(current)).filter((change) =>
    own.some((capability) => capability.adds.some((entry) => claims(entry, change.path))),
  );
  // Outermost first, so a node put back is not then patched inside.
  claimed.sort((a, b) => a.at.after.length - b.at.after.length);
  const done: (string | number)[][] = [];
  for (const change of claimed) {
    const at = change.at.after;
    if (done.some((d) => d.every((key, i) => at[i] === key))) continue;
    done.push(at);
    if (change.kind === "event-added" || change.kind === "method-added") {
      delete (out as Record<string, Record<string, unknown>>)[at[0] as string]![at[1] as string];
      continue;
    }
    const node = (path: (string | number)[]) =>
      path.reduce<unknown>((n, key) => (n as Record<string | number, unknown> | undefined)?.[key], out) as Json;
    if (change.kind === "property-added-optional" || change.kind === "property-added-required") {
      // at: [...object, "properties", name]
      const name = at[at.length - 1] as string;
      const object = node(at.slice(0, -2));
      delete (object.properties as Json)[name];
      if (Array.isArray(object.required)) object.required = object.required.filter((key) => key !== name);
      continue;
    }
    const parent = at
      .slice(0, -1)
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], out) as Record<string | number, unknown>;
    const old = change.at.before.reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], from);
    if (old === undefined) delete parent[at[at.length - 1]!];
    else parent[at[at.length - 1]!] = structuredClone(old);
  }
  return {
    events: out.events as Record<string, unknown>,
    results: Object.fromEntries(Object.entries(out.methods).map(([name, m]) => [name, m.result])),
  };
}
