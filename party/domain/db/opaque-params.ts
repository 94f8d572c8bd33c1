// Every statement the room's drizzle view runs has its parameters written `+?` instead of `?`
// (decision 104). The SQLite inside workerd's Durable Objects lets the query planner look at a
// bound parameter's value where it can pick a plan from it: a `LIMIT ?`, an equality on a
// column the query is ordered by (`where kind = ? order by key`), a `min`/`max` under an
// equality. Each such parameter marks the prepared statement, and binding it again, even to
// the same value, expires the statement: every run parses and plans it again (under `perf`,
// `sqlite3Reprepare` on most of the room's paging and listing reads). A parameter behind the
// no-op unary `+` is an expression the planner does not look into; SQLite gives `+?` the same
// value and, like `?`, no affinity, so every comparison and every row stays what it was.

/** Memoized by statement text: a room runs a bounded set of statements, each many times. */
const rewritten = new Map<string, string>();
/** Far above the statements a room has; past it (text built with values in it) the memo starts over. */
const MAX_REMEMBERED = 4096;

/**
 * `query` with each parameter `?` written `+?`: outside string literals, quoted names and
 * comments, where a `?` is always a parameter. Numbered (`?1`) and named parameters are not
 * touched (drizzle writes neither).
 */
export function opaqueParams(query: string): string {
  const known = rewritten.get(query);
  if (known !== undefined) return known;
  const out = rewrite(query);
  if (rewritten.size >= MAX_REMEMBERED) rewritten.clear();
  rewritten.set(query, out);
  return out;
}

function rewrite(query: string): string {
  if (!query.includes("?")) return query;
  let out = "";
  let from = 0;
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (c === "'" || c === '"' || c === "`") i = closing(query, i + 1, c);
    else if (c === "[") i = closing(query, i + 1, "]");
    else if (c === "-" && query[i + 1] === "-") i = lineEnd(query, i);
    else if (c === "/" && query[i + 1] === "*") i = commentEnd(query, i);
    else if (c === "?" && !/[0-9]/.test(query[i + 1] ?? "")) {
      out += `${query.slice(from, i)}+?`;
      from = ++i;
    } else i++;
  }
  return out + query.slice(from);
}

/** Past a quoted run that `quote` closes (a doubled quote inside it is one character). */
function closing(query: string, at: number, quote: string): number {
  for (let i = at; i < query.length; i++) {
    if (query[i] !== quote) continue;
    if (quote !== "]" && query[i + 1] === quote) i++;
    else return i + 1;
  }
  return query.length;
}

function lineEnd(query: string, at: number): number {
  const end = query.indexOf("\n", at);
  return end === -1 ? query.length : end + 1;
}

function commentEnd(query: string, at: number): number {
  const end = query.indexOf("*/", at + 2);
  return end === -1 ? query.length : end + 2;
}

/**
 * The storage drizzle is given: its statements run with opaque parameters; its transactions
 * are the storage's own. Those two are all drizzle's durable-sqlite session and migrator use of
 * it; one more would fail every room test that reads or writes.
 */
export function withOpaqueParams(storage: DurableObjectStorage): DurableObjectStorage {
  // The storage's exec is looked up on each run, as drizzle does (a test may wrap it to count statements).
  const sql = { exec: (query: string, ...params: unknown[]) => storage.sql.exec(opaqueParams(query), ...params) };
  return {
    sql,
    transactionSync: <T>(fn: () => T): T => storage.transactionSync(fn),
  } as unknown as DurableObjectStorage;
}
