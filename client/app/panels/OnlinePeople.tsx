import { useEffect, useState } from "react";
import { peopleOf } from "../../../shared/presence-people";
import type { PresencePerson } from "../../../shared/protocol/presence";
import { errorText } from "../lib/api";
import { devicesText } from "../lib/presence";
import { colorFor } from "../stores/canvas";
import { useRoom } from "../stores/room";
import { useAllTasks } from "../stores/tasks";
import { SideSection } from "./SideSection";

/** Sockets listed when someone asks who else is here: one page (the room pages them by 1,000). */
const LISTED_SOCKETS = 1000;

/**
 * Who is here: the people the room shows (the first few to arrive, one row each however many
 * devices they use) and a count of the rest, which a click lists from `presence.list`. That
 * list is read again whenever the count of people changes while it is open, so it never
 * shows someone who left for longer than a presence window.
 */
export function Online() {
  const presence = useRoom((s) => s.state.presence);
  const online = useRoom((s) => s.state.online);
  // The Autopilot has no connection of its own: it is "online" while one of its replies streams
  // or one of its tasks runs (a step that only calls tools streams nothing).
  const streaming = useRoom((s) => [...s.state.streams.values()].some((stream) => stream.instanceId === null));
  const tasks = useAllTasks();
  const autopilotWorking = streaming || [...tasks.values()].some((t) => t.status === "running");
  const people = [...presence.values()];
  const others = Math.max(0, online.people - people.length);
  const [open, setOpen] = useState(false);
  const listed = useListedPeople(open && others > 0, online.people, online.connections);
  const more = listed.people.filter((p) => !presence.has(p.principalId));
  const unlisted = Math.max(0, others - more.length);
  return (
    <SideSection id="online-h" title="Online" count={online.people + (autopilotWorking ? 1 : 0)}>
      <ul className="people">
        {autopilotWorking && (
          <li className="autopilot-online" data-testid="autopilot-online">
            <span className="dot autopilot-dot" />
            <span className="nav-title">Autopilot</span>
            <span className="agent-chip">agent</span>
            <span className="muted small">working…</span>
          </li>
        )}
        {[...people, ...(open ? more : [])].map((p) => (
          <Person key={p.principalId} person={p} />
        ))}
        {others > 0 && (
          <li className="muted small" data-testid="online-more">
            <button
              type="button"
              className="link small"
              aria-expanded={open}
              onClick={() => setOpen(!open)}
              disabled={open && listed.loading && more.length === 0}
            >
              {open
                ? listed.loading && more.length === 0
                  ? "listing…"
                  : unlisted > 0
                    ? `and ${unlisted.toLocaleString()} more not listed · show fewer`
                    : "show fewer"
                : `and ${others.toLocaleString()} more`}
            </button>
            {open && listed.error && <span className="form-error"> {listed.error}</span>}
          </li>
        )}
      </ul>
    </SideSection>
  );
}

function Person({ person: p }: { person: PresencePerson }) {
  return (
    <li title={devicesText(p)}>
      <span className="dot" style={{ background: colorFor(p.principalId) }} />
      <span className="nav-title">{p.name}</span>
      {p.kind === "agent" && <span className="agent-chip">agent</span>}
      <span className="muted small">{devicesText(p)}</span>
    </li>
  );
}

/** The people of the first LISTED_SOCKETS sockets, read while `active` and again when the counts change. */
function useListedPeople(
  active: boolean,
  people: number,
  connections: number,
): { people: PresencePerson[]; loading: boolean; error: string | null } {
  const client = useRoom((s) => s.client);
  const [listed, setListed] = useState<{ people: PresencePerson[]; loading: boolean; error: string | null }>({
    people: [],
    loading: false,
    error: null,
  });
  useEffect(() => {
    // Read again whenever the counts change: someone came or left.
    if (!active || !client || people === 0) return;
    let current = true;
    setListed((was) => ({ ...was, loading: true, error: null }));
    client.presence.list({ limit: Math.min(LISTED_SOCKETS, Math.max(1, connections)) }).then(
      ({ presence }) => current && setListed({ people: peopleOf(presence), loading: false, error: null }),
      (error: unknown) => current && setListed((was) => ({ ...was, loading: false, error: errorText(error) })),
    );
    return () => {
      current = false;
    };
  }, [active, client, people, connections]);
  return active ? listed : { people: [], loading: false, error: null };
}
