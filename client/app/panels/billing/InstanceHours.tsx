import { useEffect, useState } from "react";
import { sleepHoursWords } from "../../../../shared/instance-sleep";
import type { InstanceHours } from "../../../../shared/protocol/billing";
import { errorText } from "../../lib/api";
import { useRoom } from "../../stores/room";

/**
 * Each hosted instance's awake and asleep hours this month, as the room counts them
 * (`billing.instanceHours`, features/metering/): read when shown, and again whenever an
 * instance starts, stops, falls asleep or wakes (the room's state says so).
 */
export function useInstanceHours(): { hours: InstanceHours[] | null; error: string | null } {
  const client = useRoom((s) => s.client);
  const turns = useRoom((s) => {
    let key = "";
    for (const i of s.state.instances.values()) key += `${i.id}:${i.status}:${i.sleep?.state ?? ""};`;
    return key;
  });
  const [hours, setHours] = useState<InstanceHours[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `turns` moving (a start, a stop, a sleep, a wake) is what makes the hours worth reading again
  useEffect(() => {
    if (!client) return;
    let live = true;
    client.request("billing.instanceHours", {}).then(
      (r) => {
        if (!live) return;
        setHours(r.instances);
        setError(null);
      },
      (e: unknown) => {
        if (live) setError(errorText(e));
      },
    );
    return () => {
      live = false;
    };
  }, [client, turns]);
  return { hours, error };
}

/** The Billing panel's part: one line per hosted instance ("Awake 41 h this month · asleep 279 h · sleeping saved 1,395 credits"). */
export function InstanceHoursSection() {
  const { hours, error } = useInstanceHours();
  if (error) return <p className="muted small">Could not read the instances' hours: {error}</p>;
  if (!hours || hours.length === 0) return null;
  return (
    <section className="billing-section" aria-labelledby="billing-instance-hours-h">
      <h3 id="billing-instance-hours-h">Hosted instances this month</h3>
      <p className="muted small">An instance's hours are billed only while it is awake; asleep, it costs nothing.</p>
      <ul className="billing-instance-hours" data-testid="instance-hours">
        {hours.map((h) => (
          <li key={h.instanceId}>
            <span className="billing-instance-name">{h.name}</span> <span className="muted">{sleepHoursWords(h)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The instance's own line, beside its uptime. */
export function InstanceHoursText({ instanceId }: { instanceId: string }) {
  const { hours, error } = useInstanceHours();
  if (error) return <>could not read: {error}</>;
  const mine = hours?.find((h) => h.instanceId === instanceId);
  if (!mine) return <>…</>;
  return <span data-testid="instance-month-hours">{sleepHoursWords(mine)}</span>;
}
