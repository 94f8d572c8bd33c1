import { useCallback, useEffect, useRef, useState } from "react";
import type { LedgerEntry } from "../../../../shared/protocol/billing";
import type { PageCursor } from "../../../../shared/protocol/paging";
import { creditsText, entryWhat } from "../../../../shared/billing-words";
import { errorText } from "../../lib/api";
import { relativeTime } from "../../lib/format";
import { FormError } from "../../lib/form-error";
import { useRoom } from "../../stores/room";

/**
 * Receipts (`billing.entries`, newest first): the ledger's latest entries, and every entry of
 * one run with what it cost in all — a reply's run or a task (whose run id is the task's id).
 * Read when shown and again shortly after the room says the ledger changed.
 */

type Cursor = PageCursor | null;
const PAGE = 20;
/** A run's receipts are read whole, up to this many pages of 500 (a run of thousands of steps). */
const RUN_PAGES = 10;
const REREAD_MS = 1000;

const signed = (amount: number) => `${amount > 0 ? "+" : ""}${amount.toLocaleString("en-US")}`;

function EntryRow({ entry, onRun }: { entry: LedgerEntry; onRun?: (runId: string) => void }) {
  return (
    <li className={`receipt receipt-${entry.kind}`} data-entry-id={entry.id}>
      <span className="receipt-what">{entryWhat(entry)}</span>
      <span className={`receipt-amount${entry.amount > 0 ? " credit" : ""}`}>{signed(entry.amount)}</span>
      <span className="muted small receipt-when">
        <time dateTime={new Date(entry.at).toISOString()}>{relativeTime(entry.at)}</time>
        {entry.runId && onRun && (
          <>
            {" · "}
            <button type="button" className="link small" onClick={() => onRun(entry.runId!)}>
              this run's receipts
            </button>
          </>
        )}
      </span>
    </li>
  );
}

/** Runs `read` at once when it is new (another run, another client), and `REREAD_MS` after each change (coalesced). */
function useRead(read: () => Promise<void>, changes: number) {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const last = useRef<typeof read | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `changes` is the trigger: each change of the ledger reads again
  useEffect(() => {
    if (last.current !== read) {
      last.current = read;
      void read();
      return;
    }
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void last.current?.();
    }, REREAD_MS);
  }, [read, changes]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
}

/** Every entry of one run (bounded), newest first, and whether the bound cut it. */
export function useRunEntries(runId: string, changes: number) {
  const client = useRoom((s) => s.client);
  const [entries, setEntries] = useState<LedgerEntry[] | null>(null);
  const [cut, setCut] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const read = useCallback(async () => {
    if (!client) return;
    try {
      const all: LedgerEntry[] = [];
      let before: Cursor = null;
      for (let page = 0; page < RUN_PAGES; page++) {
        const got = await client.billing.entries({ runId, limit: 500, ...(before ? { before } : {}) });
        all.push(...got.entries);
        before = got.next;
        if (!before) break;
      }
      setEntries(all);
      setCut(before !== null);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [client, runId]);
  useRead(read, changes);
  const spent = -(entries ?? []).reduce((sum, e) => sum + (e.kind === "usage" ? e.amount : 0), 0);
  return { entries, cut, error, spent };
}

function RunReceipts({ runId, changes, back }: { runId: string; changes: number; back: () => void }) {
  const { entries, cut, error, spent } = useRunEntries(runId, changes);
  return (
    <div className="run-receipts" data-run-id={runId}>
      <p className="run-receipts-head">
        <strong>
          Run {runId.slice(0, 12)}
          {runId.length > 12 && "…"}
        </strong>{" "}
        <span role="status">
          {entries
            ? `${creditsText(spent)} in ${entries.length} ${entries.length === 1 ? "entry" : "entries"}`
            : "Reading…"}
        </span>{" "}
        <button type="button" className="link small" onClick={back}>
          All receipts
        </button>
      </p>
      <FormError error={error} />
      <ol className="receipt-list" aria-label="This run's receipts">
        {entries?.map((e) => (
          <EntryRow key={e.id} entry={e} />
        ))}
      </ol>
      {cut && (
        <p className="muted small">
          The run's oldest entries are not shown: <code>autopilot billing entries --run {runId}</code> lists them all.
        </p>
      )}
    </div>
  );
}

/** The ledger's latest entries, older ones paged in; a run's link shows that run's receipts. */
export function Receipts({ changes }: { changes: number }) {
  const client = useRoom((s) => s.client);
  const [entries, setEntries] = useState<LedgerEntry[] | null>(null);
  const [next, setNext] = useState<Cursor>(null);
  const [error, setError] = useState<string | null>(null);
  const [run, setRun] = useState<string | null>(null);
  const shown = useRef(PAGE);
  const read = useCallback(async () => {
    if (!client) return;
    try {
      const page = await client.billing.entries({ limit: Math.min(500, shown.current) });
      setEntries(page.entries);
      setNext(page.next);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [client]);
  useRead(read, changes);
  const older = async () => {
    if (!client || !next) return;
    try {
      const page = await client.billing.entries({ limit: PAGE, before: next });
      setEntries((list) => [...(list ?? []), ...page.entries]);
      setNext(page.next);
      shown.current += page.entries.length;
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section className="billing-section" aria-labelledby="billing-receipts-h">
      <h3 id="billing-receipts-h">Receipts</h3>
      {run ? (
        <RunReceipts runId={run} changes={changes} back={() => setRun(null)} />
      ) : (
        <>
          <FormError error={error} />
          {entries?.length === 0 && <p className="muted small">Nothing in the ledger yet.</p>}
          <ol className="receipt-list" aria-label="Receipts">
            {entries?.map((e) => (
              <EntryRow key={e.id} entry={e} onRun={setRun} />
            ))}
          </ol>
          {next && (
            <button type="button" className="small" onClick={() => void older()}>
              Older receipts
            </button>
          )}
        </>
      )}
    </section>
  );
}
