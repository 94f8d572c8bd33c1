// docs/architecture.md says what the Autopilot's Durable Object answers over RPC: every public
// method of party/rooms/autopilot/room.ts is named in its paragraph on room.ts, and the number
// of those it forwards to the features is the one it gives.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const read = (path: string) => readFileSync(resolve(ROOT, path), "utf8");
const WORDS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
  "twenty",
];

describe("docs/architecture.md on room.ts", () => {
  it("names every RPC method of the room and counts those forwarded to the features", () => {
    const room = read("party/rooms/autopilot/room.ts");
    // Each public async method, with its body up to the next one.
    const methods = [...room.matchAll(/^ {2}async (\w+)\(/gm)].map((m, i, all) => ({
      name: m[1]!,
      body: room.slice(m.index, all[i + 1]?.index ?? room.length),
    }));
    const forwarded = methods.filter((m) => m.body.includes("this.#started(")).map((m) => m.name);
    expect(forwarded.length).toBeGreaterThan(0);
    const doc = read("docs/architecture.md");
    const start = doc.indexOf("`room.ts` is only the Durable Object");
    const paragraph = doc.slice(start, doc.indexOf("\n\n", start));
    expect(start).toBeGreaterThan(-1);
    const named = new Set([...paragraph.matchAll(/`(\w+)`/g)].map((m) => m[1]!));
    expect(methods.map((m) => m.name).filter((name) => !named.has(name))).toEqual([]);
    expect(paragraph).toMatch(new RegExp(`\\b${WORDS[forwarded.length]} of them\\b`));
  });
});
