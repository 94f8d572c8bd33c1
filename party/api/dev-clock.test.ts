// The tests' clock is never production's (decision 85): wrangler.toml, which production deploys
// with, sets neither the clock's var nor the mail outbox's (each only a comment there saying
// never), and `npm start`'s server does not set the clock's either: only a test's own server does.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const settings = (path: string) =>
  readFileSync(join(ROOT, path), "utf8")
    .split("\n")
    .filter((line) => !/^\s*(#|\/\/|\*)/.test(line))
    .join("\n");

describe("the tests' clock stays out of production", () => {
  it("wrangler.toml sets no DEV_TEST_CLOCK (nor DEV_MAIL_OUTBOX)", () => {
    const toml = settings("wrangler.toml");
    expect(toml).toContain("[vars]");
    expect(toml).not.toMatch(/DEV_TEST_CLOCK/);
    expect(toml).not.toMatch(/DEV_MAIL_OUTBOX/);
  });

  it("the dev server sets no DEV_TEST_CLOCK of its own: a test passes it", () => {
    expect(settings("party/dev/server.mjs")).not.toMatch(/DEV_TEST_CLOCK/);
  });
});
