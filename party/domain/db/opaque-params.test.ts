import { describe, expect, it } from "vitest";
import { opaqueParams } from "./opaque-params";

describe("opaque parameters", () => {
  it("writes each parameter +? and leaves the rest of the statement as it was", () => {
    expect(opaqueParams('select "doc" from "threads" where "threads"."archived" = ? order by "id" limit ?')).toBe(
      'select "doc" from "threads" where "threads"."archived" = +? order by "id" limit +?',
    );
    expect(opaqueParams("insert into t (a, b) values (?, ?)")).toBe("insert into t (a, b) values (+?, +?)");
    expect(opaqueParams("select 1 from json_each(?)")).toBe("select 1 from json_each(+?)");
    expect(opaqueParams("select 1")).toBe("select 1");
  });

  it("leaves a ? inside a string, a quoted name or a comment, and numbered parameters", () => {
    const query = `select '?', 'it''s ?', "a?b", \`c?\`, [d?] -- what?
      from t /* why? */ where x = ?1 and y = ?`;
    expect(opaqueParams(query)).toBe(query.replace("y = ?", "y = +?"));
  });

  it("ends an unterminated string or comment at the statement's end (SQLite refuses it as it would have)", () => {
    expect(opaqueParams("select 'open ? ")).toBe("select 'open ? ");
    expect(opaqueParams("select ? /* open ?")).toBe("select +? /* open ?");
  });
});
