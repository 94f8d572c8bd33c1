import { useCallback, useEffect, useRef, useState } from "react";
import type { z } from "zod";
import type { BillingState, SpendGroup } from "../../../../shared/protocol/billing";
import { errorText } from "../../lib/api";
import { useRoom } from "../../stores/room";
import type { Directory } from "./names";

/**
 * The workspace's money while a view shows it: `billing.summary` read when the view opens
 * (and after a reconnect), the state replaced by every `billing.changed` (the room sends the
 * whole state, to sockets that may read), and the month's rollups read again after a change,
 * at most once a second however many changes a run makes.
 */

type Groups = z.infer<typeof SpendGroup>[];

export interface Billing {
  state: BillingState | null;
  byPurpose: Groups;
  byPrincipal: Groups;
  byDay: Groups;
  byProject: Groups;
  byInstance: Groups;
  error: string | null;
  /** Grows with every change the room told of: views that read more (receipts) read again. */
  changes: number;
  /** A result that carries the state (billing.setBudget's): shown at once. */
  replaceState(state: BillingState): void;
}

/** A section that changes the money's settings: a change answers with the whole state, handed to `onSet` to show at once. */
export interface BillingEditorProps {
  state: BillingState;
  directory: Directory;
  onSet: (state: BillingState) => void;
}

/** How long rollups wait after a change before they are read again. */
const REREAD_MS = 1000;

export function useBilling(): Billing {
  const client = useRoom((s) => s.client);
  const status = useRoom((s) => s.status);
  const [state, setState] = useState<BillingState | null>(null);
  const [groups, setGroups] = useState<
    Pick<Billing, "byPurpose" | "byPrincipal" | "byDay" | "byProject" | "byInstance">
  >({
    byPurpose: [],
    byPrincipal: [],
    byDay: [],
    byProject: [],
    byInstance: [],
  });
  const [error, setError] = useState<string | null>(null);
  const [changes, setChanges] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = useCallback(async () => {
    if (!client) return;
    try {
      const [byPurpose, byPrincipal, byDay, byProject, byInstance] = await Promise.all([
        client.billing.summary({ groupBy: "purpose" }),
        client.billing.summary({ groupBy: "principal" }),
        client.billing.summary({ groupBy: "day" }),
        client.billing.summary({ groupBy: "project" }),
        client.billing.summary({ groupBy: "instance" }),
      ]);
      setState(byPurpose.state);
      setGroups({
        byPurpose: byPurpose.groups,
        byPrincipal: byPrincipal.groups,
        byDay: byDay.groups,
        byProject: byProject.groups,
        byInstance: byInstance.groups,
      });
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [client]);

  useEffect(() => {
    if (!client || status !== "connected") return;
    void load();
    const stop = client.on("billing.changed", ({ state: next }) => {
      setState(next);
      setChanges((n) => n + 1);
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        void load();
      }, REREAD_MS);
    });
    return () => {
      stop();
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [client, status, load]);

  return { state, ...groups, error, changes, replaceState: setState };
}
