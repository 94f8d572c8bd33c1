// docs/architecture.md says what the Autopilot's Durable Object answers over RPC: every public
// method of party/rooms/autopilot/room.ts is named in its paragraph on room.ts, one of them the
// features' one entry. (That the paragraph names every feature RPC the entry takes:
// party/rooms/autopilot/room-entry.room.test.ts, which builds the features.)
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const read = (path: string) => readFileSync(resolve(ROOT, path), "utf8");
describe("docs/architecture.md on room.ts", () => {
  it("names every RPC method of the room, one of them the features' one entry", () => {
    const room = read("party/rooms/autopilot/room.ts");
    // Each public async method, with its body up to the next one.
    const methods = [...room.matchAll(/^ {2}async (\w+)[<(]/gm)].map((m, i, all) => ({
      name: m[1]!,
      body: room.slice(m.index, all[i + 1]?.index ?? room.length),
    }));
    const entries = methods.filter((m) => m.body.includes(".features.call(")).map((m) => m.name);
    expect(entries).toEqual(["call"]);
    const doc = read("docs/architecture.md");
    const start = doc.indexOf("`room.ts` is only the Durable Object");
    const paragraph = doc.slice(start, doc.indexOf("\n\n", start));
    expect(start).toBeGreaterThan(-1);
    const named = new Set([...paragraph.matchAll(/`(\w+)`/g)].map((m) => m[1]!));
    expect(methods.map((m) => m.name).filter((name) => !named.has(name))).toEqual([]);
    expect(paragraph).toMatch(/one entry into the features, `call`/);
  });
});
