import { describe, expect, it } from "vitest";
import { rollupsCsv } from "../app/panels/billing/rollups-csv";

const group = (key: string | null, credits: number) => ({ key, credits, entries: 2, inputTokens: 10, outputTokens: 5 });

describe("the Billing panel's rollups as CSV", () => {
  it("writes a row per group of each rollup, quoting what needs it and defusing formulas", () => {
    const csv = rollupsCsv("November 2026", [
      { by: "what", groups: [group("reply", 40)], name: () => "Replies" },
      {
        by: "who",
        groups: [group("u1", 30), group("agent_k", 10), group(null, 5)],
        name: (key) => (key === "u1" ? 'Ann "the boss", ops' : key === "agent_k" ? "=HYPERLINK(1)" : "Gateways"),
      },
    ]);
    expect(csv.split("\r\n")).toEqual([
      "period,by,name,id,credits,entries,input tokens,output tokens",
      "November 2026,what,Replies,reply,40,2,10,5",
      'November 2026,who,"Ann ""the boss"", ops",u1,30,2,10,5',
      "November 2026,who,'=HYPERLINK(1),agent_k,10,2,10,5",
      "November 2026,who,Gateways,,5,2,10,5",
      "",
    ]);
  });
});
