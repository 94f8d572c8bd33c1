import { useEffect, useMemo, useState } from "react";
import type { BudgetScope } from "../../../../shared/protocol/billing";
import type { WorkspaceState } from "../../../src/state";
import { type AgentKey, authApi, type Member } from "../../lib/api";
import { useRoom } from "../../stores/room";
import { useTasks } from "../../stores/tasks";
import { AUTOPILOT_ID } from "../../../../shared/people";

/**
 * Who a ledger entry or a budget is about, by name: people and agent keys as the room's state
 * knows them (who is here, who made threads, asked for approvals, started tasks), then the
 * workspace's members, and its keys for those who manage them. An id nobody names stays an id.
 */

/** The Autopilot's principal id in the room (party/rooms/autopilot/features/model/model-context.ts; client/ may not import party/). */
/** An agent key's principal id is its key id behind this prefix (party/auth/current-access.ts). */
export const AGENT_PREFIX = "agent_";

export interface Directory {
  members: readonly Member[];
  /** Only for those who manage keys (owners and admins); empty for everyone else. */
  keys: readonly AgentKey[];
}

/** The workspace's agent keys as choices: each one's principal id and name. */
export const keyChoices = (directory: Directory): { id: string; name: string }[] =>
  directory.keys.map((k) => ({ id: `${AGENT_PREFIX}${k.id}`, name: k.name ?? `key ${k.start ?? k.id}` }));

/** Names from the room's state alone (no list read): for views shown many times over, such as the queue. */
export const ROOM_NAMES_ONLY: Directory = { members: [], keys: [] };

/** The workspace's members, and its keys when `withKeys`: read once per workspace the panel shows. */
export function useDirectory(withKeys: boolean): Directory {
  const workspaceId = useRoom((s) => s.workspaceId);
  const [directory, setDirectory] = useState<Directory>({ members: [], keys: [] });
  useEffect(() => {
    if (!workspaceId) return;
    let current = true;
    // Names are a nicety: a list that cannot be read leaves the ids showing.
    const members = authApi.members(workspaceId).then(
      (r) => r.members,
      () => [],
    );
    const keys = withKeys
      ? authApi.keys(workspaceId).then(
          (r) => r.keys,
          () => [],
        )
      : Promise.resolve([]);
    void Promise.all([members, keys]).then(([m, k]) => {
      if (current) setDirectory({ members: m, keys: k });
    });
    return () => {
      current = false;
    };
  }, [workspaceId, withKeys]);
  return directory;
}

function namesIn(state: WorkspaceState): Map<string, string> {
  const names = new Map<string, string>([[AUTOPILOT_ID, "Autopilot"]]);
  const add = (actor: { id: string; name: string } | null | undefined) => {
    if (actor && !names.has(actor.id)) names.set(actor.id, actor.name);
  };
  for (const p of state.presence.values()) if (!names.has(p.principalId)) names.set(p.principalId, p.name);
  for (const t of state.tasks.values()) add(t.startedBy);
  for (const a of state.approvals.values()) {
    add(a.requestedBy);
    add(a.onBehalfOf);
    add(a.resolvedBy);
  }
  for (const t of state.threads.values()) add(t.createdBy);
  for (const p of state.projects.values()) add(p.createdBy);
  return names;
}

/** A principal's name (null: spending no one started, a gateway's or an instance's). */
export function usePrincipalName(directory: Directory): (id: string | null) => string {
  const state = useRoom((s) => s.state);
  return useMemo(() => {
    const names = namesIn(state);
    for (const m of directory.members) if (!names.has(m.userId)) names.set(m.userId, m.name);
    for (const k of directory.keys) names.set(`${AGENT_PREFIX}${k.id}`, k.name ?? `key ${k.start ?? k.id}`);
    return (id) => (id === null ? "Gateways and instances" : (names.get(id) ?? id));
  }, [state, directory]);
}

/** What a budget is for: "Workspace", the key's, project's or task's name. */
export function useSubjectName(directory: Directory): (scope: BudgetScope, subjectId: string | null) => string {
  const principal = usePrincipalName(directory);
  const projects = useRoom((s) => s.state.projects);
  const tasks = useRoom((s) => s.state.tasks);
  const listed = useTasks((s) => s.listed);
  return useMemo(
    () => (scope, subjectId) => {
      if (scope === "workspace" || subjectId === null) return "This workspace";
      if (scope === "key") return principal(subjectId);
      if (scope === "project") return projects.get(subjectId)?.name ?? subjectId;
      const task = tasks.get(subjectId) ?? listed.get(subjectId);
      return task ? (task.goal.split("\n")[0] ?? task.goal) : subjectId;
    },
    [principal, projects, tasks, listed],
  );
}
