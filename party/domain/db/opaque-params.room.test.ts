// Pins what decision 104 relies on in workerd's SQLite: a parameter written `+?` matches,
// orders and limits exactly as `?` does (the unary plus gives no affinity, as a bare
// parameter has none), whatever the column's type and the bound value's.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { sqlFromStorage } from "../sql";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;

it("a +? parameter selects the same rows as ? for text, integer and mixed-affinity comparisons", async () => {
  const room = rooms.get(rooms.idFromName(`opaque-params-${crypto.randomUUID()}`));
  await runInDurableObject(room, (_room, state) => {
    const sql = sqlFromStorage(state.storage);
    sql.run("create table pinned_affinity (t text not null, i integer not null, n numeric, b blob)");
    for (let k = 0; k < 12; k++)
      sql.run("insert into pinned_affinity values (?, ?, ?, ?)", `${k % 4}`, k % 3, k % 2 === 0 ? k : `${k}`, `${k}`);
    const queries: [string, (string | number | null)[]][] = [
      ["select rowid from pinned_affinity where t = ? order by i, rowid", ["2"]],
      ["select rowid from pinned_affinity where t = ? order by i, rowid", [2]],
      ["select rowid from pinned_affinity where i = ? order by t desc, rowid limit ?", ["1", 3]],
      ["select rowid from pinned_affinity where i = ? order by rowid", [1.0]],
      ["select rowid from pinned_affinity where n = ? order by rowid", ["4"]],
      ["select rowid from pinned_affinity where n = ? order by rowid", [5]],
      ["select rowid from pinned_affinity where b = ? order by rowid", [3]],
      ["select rowid from pinned_affinity where b = ? order by rowid", ["3"]],
      ["select max(i) as m from pinned_affinity where t = ?", ["1"]],
      ["select rowid from pinned_affinity where t is ? order by rowid", [null]],
      ["select rowid from pinned_affinity order by rowid limit ? offset ?", ["2", 5]],
    ];
    for (const [query, params] of queries) {
      const plain = sql.all(query, ...params);
      expect(sql.all(query.replaceAll("?", "+?"), ...params), `${query} with ${JSON.stringify(params)}`).toEqual(plain);
    }
    // Most of these match rows; three match none on either side (a text column against a bound
    // number, which workerd binds as a real; a blob against a number; null): the same nothing.
    // The rows are really there to match:
    expect(sql.all("select rowid from pinned_affinity where n = ?", "4")).toHaveLength(1);
  });
});
