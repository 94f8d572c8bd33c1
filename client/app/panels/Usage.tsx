import { useEffect, useMemo } from "react";
import type { z } from "zod";
import type { UsageListResult } from "../../../shared/protocol/agent";
import { useLoaded } from "../lib/loaded";
import { useRoom } from "../stores/room";
import { FormError } from "../lib/form-error";
import { type Grouped, GroupTable } from "../lib/group-table";
import { AUTOPILOT_ID } from "../../../shared/people";

/**
 * What the Autopilot's model calls cost (protocol 5, `usage.list`): totals, then per
 * thread and per principal (who triggered the run). Fetched when the view opens and again
 * after each finished Autopilot reply; usage is no room state, so nothing else pushes it.
 */

type Usage = z.output<typeof UsageListResult>;
type Totals = Usage["totals"];

/** The Autopilot's principal id in the room (party/rooms/autopilot/features/model/model-context.ts; client/ may not import party/). */
const number = new Intl.NumberFormat();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function Row({ label, t }: { label: string; t: Totals }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{number.format(t.calls)}</td>
      <td>{number.format(t.inputTokens)}</td>
      <td>{number.format(t.outputTokens)}</td>
      <td>{seconds(t.durationMs)}</td>
    </tr>
  );
}

/** Usage by `column` (thread, who asked), each group under its `name`. */
function Groups({ caption, column, groups, name }: Grouped<Usage["groups"][number]>) {
  return (
    <GroupTable
      className="usage-table"
      caption={caption}
      columns={[column, "Calls", "Tokens in", "Tokens out", "Time"]}
      groups={groups}
      empty="none yet"
      row={(g) => <Row key={g.key ?? "-"} label={name(g.key)} t={g} />}
    />
  );
}

export function UsageView() {
  const client = useRoom((s) => s.client);
  const status = useRoom((s) => s.status);
  const threads = useRoom((s) => s.state.threads);
  const presence = useRoom((s) => s.state.presence);
  // Read again after every hello: usage is no room state, so nothing replays what was missed.
  const read = useMemo(
    () =>
      client && status === "connected"
        ? async () => {
            const [byThread, byPrincipal] = await Promise.all([
              client.usage.list({ groupBy: "thread" }),
              client.usage.list({ groupBy: "principal" }),
            ]);
            return { byThread, byPrincipal };
          }
        : null,
    [client, status],
  );
  const { value: usage, error, reload: load } = useLoaded<{ byThread: Usage; byPrincipal: Usage } | null>(read, null);

  useEffect(() => {
    if (!client || status !== "connected") return;
    // A finished Autopilot reply is its durable message ending a run; its model calls' rows
    // may be written after that message (and a title's or summary's call has none), but every
    // call is charged once its row is, and the charge tells `billing.changed`.
    const offReply = client.on("message.created", ({ message }) => {
      if (message.author.id === AUTOPILOT_ID && message.runId && !message.tool) void load();
    });
    const offCharge = client.on("billing.changed", () => void load());
    return () => {
      offReply();
      offCharge();
    };
  }, [client, status, load]);

  const principalName = (id: string | null) => {
    if (id === null) return "unknown";
    for (const p of presence.values()) if (p.principalId === id) return p.name;
    return id;
  };
  return (
    <section className="usage-view" aria-labelledby="usage-h">
      <div className="usage-head">
        <h3 id="usage-h">Autopilot usage</h3>
        <button type="button" className="small" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <FormError error={error} />
      {!usage ? (
        !error && <p className="muted">Loading…</p>
      ) : (
        <>
          <dl className="facts usage-totals" aria-label="Usage totals">
            <dt>Model calls</dt>
            <dd>{number.format(usage.byThread.totals.calls)}</dd>
            <dt>Tokens</dt>
            <dd>
              {number.format(usage.byThread.totals.inputTokens)} in ·{" "}
              {number.format(usage.byThread.totals.outputTokens)} out
            </dd>
            <dt>Model time</dt>
            <dd>{seconds(usage.byThread.totals.durationMs)}</dd>
          </dl>
          <Groups
            caption="By thread"
            column="Thread"
            groups={usage.byThread.groups}
            name={(key) => (key ? (threads.get(key)?.title ?? key) : "no thread")}
          />
          <Groups caption="By principal" column="Who asked" groups={usage.byPrincipal.groups} name={principalName} />
        </>
      )}
    </section>
  );
}
