// The decisions are one file each under docs/decisions/, listed by docs/decisions/README.md.
// A record added, renumbered or renamed without its line in the index (or the other way
// round) fails here, so the index cannot drift from the folder.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../docs/decisions");
const RECORD = /^(\d{3})-[a-z0-9]+(-[a-z0-9]+)*\.md$/;
const ENTRY = /^(\d+)\. \[(.+)\]\(([^)\s]+)\)$/;

const heading = (file: string): string => readFileSync(resolve(DIR, file), "utf8").split("\n")[0] ?? "";
const records = readdirSync(DIR).filter((name) => name !== "README.md");
const entries = readFileSync(resolve(DIR, "README.md"), "utf8")
  .split("\n")
  .flatMap((line) => {
    const m = ENTRY.exec(line);
    return m?.[1] && m[2] && m[3] ? [{ number: Number(m[1]), title: m[2], file: m[3] }] : [];
  });

describe("docs/decisions/", () => {
  it("holds only records named NNN-short-slug.md, numbered 1, 2, 3, … with no gap or repeat", () => {
    expect(records.filter((name) => !RECORD.test(name))).toEqual([]);
    const numbers = records.map((name) => Number(name.slice(0, 3))).sort((a, b) => a - b);
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it("each record opens with `# N. Title`, its file name's number", () => {
    const wrong = records.filter((name) => !heading(name).startsWith(`# ${Number(name.slice(0, 3))}. `));
    expect(wrong).toEqual([]);
  });

  it("the index lists every record exactly once, in number order, under its own number and title", () => {
    expect(entries.map((e) => e.file)).toEqual([...records].sort());
    expect(entries.map((e) => e.number)).toEqual(entries.map((_, i) => i + 1));
    for (const entry of entries) expect(heading(entry.file), entry.file).toBe(`# ${entry.number}. ${entry.title}`);
  });
});
