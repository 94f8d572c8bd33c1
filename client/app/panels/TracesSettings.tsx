import { submitted } from "../lib/form-submit";
import { useEffect, useState } from "react";
import type { TracesState } from "../../../shared/protocol/traces";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { useMinuteClock } from "../lib/minute-clock";
import { TextField } from "../lib/text-field";
import { useRoom } from "../stores/room";

/**
 * Traces (decision 80, owners and admins): where each run's OpenTelemetry trace goes, and how
 * the export stands (sent, dropped and why, waiting), read from the room on open and after a
 * reconnect, then as the room pushes it (`traces.changed`, capability `traces.live`); the
 * workspace's own collector and its headers (sent once, never shown again).
 */
function useTraces(): [TracesState | null, (next: TracesState) => void] {
  const client = useRoom((s) => s.client);
  const [traces, setTraces] = useState<TracesState | null>(null);
  useEffect(() => {
    setTraces(null);
    if (!client) return;
    // The socket keeps order: whichever of the answer and a pushed state comes last is the newest.
    const read = () =>
      client.traces.get({}).then(
        (result) => setTraces(result.traces),
        () => setTraces(null),
      );
    const offHello = client.on("hello", () => void read());
    const offChanged = client.on("traces.changed", ({ traces: next }) => setTraces(next));
    if (client.hello) void read();
    return () => {
      offHello();
      offChanged();
    };
  }, [client]);
  return [traces, setTraces];
}

const DESTINATION: Record<TracesState["destination"], string> = {
  workspace: "Each run's trace goes to this workspace's own collector.",
  operator: "Each run's trace goes to the operator's collector.",
  none: "No collector is set, so no traces are made. Set this workspace's own below.",
};

/** `name: value` per line, as headers. */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const at = line.indexOf(":");
    if (at <= 0) throw new Error(`Write each header as name: value (not “${line.trim().slice(0, 40)}”).`);
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

export function TracesSettings() {
  const client = useRoom((s) => s.client);
  const [traces, setTraces] = useTraces();
  // "last just now" moves on while the dialog stays open; the counts change only when pushed.
  const now = useMinuteClock();
  const [endpoint, setEndpoint] = useState("");
  const [headers, setHeaders] = useState("");
  const save = useAction(async () => {
    if (!client) return;
    const result = await client.traces.configure({
      endpoint: endpoint.trim(),
      headers: parseHeaders(headers),
    });
    setTraces(result.traces);
    setEndpoint("");
    setHeaders("");
    return "Saved. New spans go to this collector.";
  });
  const reset = useAction(async () => {
    if (!client) return;
    setTraces((await client.traces.configure({ endpoint: null })).traces);
    return "This workspace's traces go to the operator's collector again.";
  });
  const capture = useAction(async (captureContent: boolean) => {
    if (!client) return;
    setTraces((await client.traces.configure({ captureContent })).traces);
  });
  if (!traces) return null;
  return (
    <section aria-labelledby="traces-h">
      <h3 id="traces-h">Traces</h3>
      <p className="muted small">{DESTINATION[traces.destination]}</p>
      {traces.endpoint && (
        <p className="small">
          <code>{traces.endpoint}</code>
          {traces.headerNames.length > 0 && ` with ${traces.headerNames.join(", ")}`}
        </p>
      )}
      <p className="small" role="status">
        {`${traces.exported.toLocaleString()} spans sent, ${traces.queued.toLocaleString()} waiting`}
        {traces.lastExportAt !== null && `, last ${relativeTime(traces.lastExportAt, now)}`}.
      </p>
      {traces.dropped > 0 && (
        <p className="notice" role="alert">
          {`${traces.dropped.toLocaleString()} spans were dropped`}
          {traces.lastError && `: ${traces.lastError}`}
          {traces.lastErrorAt !== null && ` (${relativeTime(traces.lastErrorAt, now)})`}. Check the collector's address
          and headers; runs are not affected.
        </p>
      )}
      <label className="check">
        <input
          type="checkbox"
          checked={capture.running ?? traces.captureContent}
          disabled={capture.pending || traces.destination === "none"}
          onChange={(e) => capture.run(e.target.checked)}
        />
        Include tool arguments and results in spans
      </label>
      <FormError error={capture.error} />
      <form className="traces-form" onSubmit={submitted(() => save.run())}>
        <TextField
          id="traces-endpoint"
          label="This workspace's own collector (OTLP/HTTP)"
          type="url"
          placeholder="https://collector.example.com"
          value={endpoint}
          onChange={setEndpoint}
        />
        <TextField
          id="traces-headers"
          label="Its headers, one name: value per line (kept sealed, never shown again)"
          multiline
          rows={2}
          placeholder="x-api-key: …"
          value={headers}
          onChange={setHeaders}
        />
        <div className="traces-actions">
          <button type="submit" disabled={save.pending || endpoint.trim() === ""}>
            {save.pending ? "Saving…" : "Use this collector"}
          </button>
          {traces.destination === "workspace" && (
            <button type="button" className="ghost" disabled={reset.pending} onClick={() => reset.run()}>
              Use the operator's collector
            </button>
          )}
        </div>
      </form>
      <FormError error={save.error ?? reset.error} />
      {(save.note ?? reset.note) && (
        <p className="success" role="status">
          {save.note ?? reset.note}
        </p>
      )}
    </section>
  );
}
