import type { z } from "zod";
import type { SpendGroup } from "../../../../shared/protocol/billing";

type Group = z.infer<typeof SpendGroup>;

/** One rollup as the panel shows it: what it groups by, its groups, and each group's name. */
export interface Rollup {
  by: string;
  groups: Group[];
  name(key: string | null): string;
}

/** A CSV field: quoted when it holds a comma, a quote or a line break; a formula's first character defused. */
function field(value: string | number): string {
  let text = String(value);
  // A spreadsheet runs a cell that starts with = + - @ as a formula: names come from people.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The month's rollups as one CSV (RFC 4180): a row per group of each, with its credits, entries and tokens. */
export function rollupsCsv(period: string, rollups: Rollup[]): string {
  const rows: (string | number)[][] = [
    ["period", "by", "name", "id", "credits", "entries", "input tokens", "output tokens"],
  ];
  for (const { by, groups, name } of rollups)
    for (const g of groups)
      rows.push([period, by, name(g.key), g.key ?? "", g.credits, g.entries, g.inputTokens, g.outputTokens]);
  return `${rows.map((row) => row.map(field).join(",")).join("\r\n")}\r\n`;
}
