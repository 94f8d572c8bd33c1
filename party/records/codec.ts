import type { z } from "zod";

/**
 * Versioned stored documents: every JSON column of the Autopilot room's SQLite (a
 * thread's `doc`, an event's `payload`, an idempotency `result`, …) is written and read
 * through a codec of its record kind. Modelled on tldraw's store migrations, cut down to
 * what the room needs: per kind a list of upgrade steps, step i taking a document from
 * version i + 1 to i + 2, so the current version is `upgrades.length + 1`. A read runs
 * the steps from the stored version to the current one and then parses the result with
 * the protocol's zod schema, so a schema change that adds a required field comes with a
 * step that fills it in for old rows instead of breaking every hello.
 *
 * Where the version lives: a `$v` field inside the JSON document, stripped on read. Not a
 * column: the version then travels with every JSON column the same way (documents, event
 * payloads, idempotency results, audit details) without a table migration each, and the
 * room's reads and writes stay one-expression changes (`JSON.parse(row.doc) as T` becomes
 * `threadRecord.decode(row.doc)`), with no SQL to change. `$` keeps it apart from any
 * protocol field name. Rows written before versions existed have no `$v`: version 1.
 *
 * A document newer than this code (a deploy rolled back) is parsed as it is: upgrades only
 * ever add or reshape fields, and zod drops fields it does not know, so the older code
 * still reads what it understands.
 *
 * A row that cannot be read (not JSON, an upgrade step throws, or the schema rejects the
 * result) raises a `StoredRecordError`, logged once where it happens. We skip rather than
 * repair: a repair would have to invent values (which status did that approval have?) and
 * could silently turn a decided approval back into a pending one; skipping keeps the row
 * untouched in SQLite for an operator to fix. So lists (the hello snapshot, `*.list`) leave
 * the row out (`readable`) and everyone else's hello works; a read of that one row by id
 * fails only that request (`internal`); a resume whose replay holds an unreadable event
 * gets a fresh snapshot instead (see party/rooms/autopilot/kernel/commit.ts).
 */

export type StoredDoc = Record<string, unknown>;
/** One step: takes a document of version n to version n + 1. */
export type Upgrade = (doc: StoredDoc) => StoredDoc;

/**
 * An entity's step for the documents that carry it under `field` (an event payload or a
 * recorded result `{thread, …}`): the entity upgraded, the rest as it is.
 */
export const inField =
  (field: string, step: Upgrade): Upgrade =>
  (doc) =>
    isDoc(doc[field]) ? { ...doc, [field]: step(doc[field]) } : doc;

/**
 * The same steps for each of these record kinds (events or results that carry the same
 * entity), to spread into a table of upgrades; `K` names every kind there is, so a kind
 * misspelled here is a type error rather than a record left without its steps.
 */
export const eachUpgradedBy = <K extends string>(kinds: readonly K[], steps: readonly Upgrade[]) =>
  Object.fromEntries(kinds.map((kind) => [kind, steps])) as { readonly [P in K]?: readonly Upgrade[] };

const VERSION_KEY = "$v";

export class StoredRecordError extends Error {
  override readonly name = "StoredRecordError";
  constructor(
    readonly kind: string,
    /** The version the row says it has; null when it could not even be read as a document. */
    readonly storedVersion: number | null,
    readonly reason: string,
  ) {
    super(`unreadable stored ${kind}${storedVersion === null ? "" : ` (version ${storedVersion})`}: ${reason}`);
  }
}

export interface RecordCodec<T> {
  readonly kind: string;
  /** The version `encode` writes. */
  readonly version: number;
  encode(value: T): string;
  /** Upgrades and validates a stored document; throws (and logs) a StoredRecordError. */
  decode(text: string): T;
}

export function isDoc(value: unknown): value is StoredDoc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

export function defineRecord<S extends z.ZodType<StoredDoc>>(
  kind: string,
  schema: S,
  upgrades: readonly Upgrade[] = [],
): RecordCodec<z.output<S>> {
  const version = upgrades.length + 1;
  const fail = (storedVersion: number | null, reason: string): never => {
    const error = new StoredRecordError(kind, storedVersion, reason);
    console.error(JSON.stringify({ msg: "unreadable stored record", kind, storedVersion, reason }));
    throw error;
  };
  return {
    kind,
    version,
    encode: (value) => JSON.stringify({ [VERSION_KEY]: version, ...value }),
    decode(text) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return fail(null, "not JSON");
      }
      if (!isDoc(parsed)) return fail(null, "not a JSON object");
      const { [VERSION_KEY]: stamp = 1, ...body } = parsed;
      if (typeof stamp !== "number" || !Number.isInteger(stamp) || stamp < 1)
        return fail(null, `bad version ${JSON.stringify(stamp)}`);
      let doc: StoredDoc = body;
      for (let v = stamp; v < version; v++) {
        try {
          doc = upgrades[v - 1]!(doc);
        } catch (error) {
          return fail(
            stamp,
            `upgrade to version ${v + 1} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      const result = schema.safeParse(doc);
      return result.success ? result.data : fail(stamp, summarize(result.error));
    },
  };
}

/** Reads every row it can: an unreadable one was logged by `decode` and is left out. */
export function readable<R, T>(rows: readonly R[], read: (row: R) => T): T[] {
  const out: T[] = [];
  for (const row of rows) {
    try {
      out.push(read(row));
    } catch (error) {
      if (!(error instanceof StoredRecordError)) throw error;
    }
  }
  return out;
}
