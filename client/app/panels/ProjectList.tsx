import { useMemo } from "react";
import { useShallow } from "zustand/react/shallow";
import { MAX_PROJECT_NAME, MAX_PROJECT_THREADS, type Project } from "../../../shared/protocol/projects";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { useCanvas } from "../stores/canvas";
import type { FlowNode } from "../stores/flow-items";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { useArchivedFilter } from "./archived-filter";
import { LoadMore } from "./LoadMore";
import { QuickCreate } from "./QuickCreate";
import { SideSection } from "./SideSection";

/**
 * The sidebar's projects (protocol 9): the room's project records, most recently changed
 * first, and the canvas's groups that are not projects yet, each of which can become one
 * with the threads and instances it holds. The project's frame then holds the threads; a
 * group that held only threads goes, one that holds notes or instances too stays.
 */
/** Archived last, then the most recently changed first. */
const byRecentChange = (a: Project, b: Project) => Number(a.archived) - Number(b.archived) || b.updatedAt - a.updatedAt;

export function Projects() {
  const projects = useRoom((s) => s.state.projects);
  const select = useUi((s) => s.select);
  const selectedId = useUi((s) => s.selectedId);
  const { list, toggle } = useArchivedFilter(projects, byRecentChange);
  const more = useRoom((s) => s.state.more.projects.left > 0);
  return (
    <SideSection id="projects-h" title="Projects" count={list.length}>
      <QuickCreate
        id="new-project-name"
        label="New project name"
        placeholder="New project…"
        maxLength={MAX_PROJECT_NAME}
        button="Create"
        buttonLabel="Create project"
        buttonClass="small"
        create={async (name, client) => {
          const { project } = await client.projects.create({ name });
          select(`project:${project.id}`, { focus: true });
          return null;
        }}
      />
      {list.length === 0 && !more ? (
        <p className="empty">
          No projects yet. A project gathers threads under a brief the Autopilot reads, with its links and files.
        </p>
      ) : (
        <ul className="nav-list">
          {list.map((p) => {
            const id = `project:${p.id}`;
            return (
              <li key={p.id}>
                <button
                  type="button"
                  className={`nav-item ${selectedId === id ? "active" : ""} ${p.archived ? "archived" : ""}`}
                  onClick={() => select(id, { focus: true })}
                  aria-current={selectedId === id}
                  title={`Changed ${relativeTime(p.updatedAt)}`}
                >
                  <span className="project-mark" aria-hidden>
                    ▣
                  </span>
                  <span className="nav-title" title={p.name}>
                    {p.name}
                  </span>
                  <span className="nav-meta">
                    {p.archived ? "archived" : `${p.threadIds.length} thread${p.threadIds.length === 1 ? "" : "s"}`}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <LoadMore kind="projects" noun="projects" />
      {toggle}
      <CanvasGroups />
    </SideSection>
  );
}

/** What a canvas group holds that a project can: its threads and instances (a session open as a thread counts as it). */
export function groupMembers(
  group: FlowNode,
  nodes: readonly FlowNode[],
): { threadIds: string[]; instanceIds: string[] } {
  const threadIds = new Set<string>();
  const instanceIds = new Set<string>();
  for (const n of nodes) {
    const g = n.data.g;
    if (g.parent !== group.id) continue;
    if (g.kind === "thread" && g.ref) threadIds.add(g.ref);
    else if (g.kind === "instance" && g.ref) instanceIds.add(g.ref);
    else if (g.kind === "session" && typeof g.data.threadId === "string") threadIds.add(g.data.threadId);
  }
  return { threadIds: [...threadIds], instanceIds: [...instanceIds] };
}

/** Canvas groups not yet a project (no project of that name), each offered as one. */
function CanvasGroups() {
  // useShallow: the filter makes a new array each time; re-render only when a node changed.
  const nodes = useCanvas(useShallow((s) => s.nodes));
  const projects = useRoom((s) => s.state.projects);
  const canWrite = useCan("write");
  const select = useUi((s) => s.select);
  const groups = useMemo(() => {
    const names = new Set([...projects.values()].map((p) => p.name.trim().toLowerCase()));
    return nodes.filter(
      (n) =>
        n.type === "group" &&
        !names.has(
          String(n.data.g.data.label ?? "")
            .trim()
            .toLowerCase(),
        ),
    );
  }, [nodes, projects]);
  if (groups.length === 0) return null;
  return (
    <div className="canvas-groups">
      <h3 className="subhead">Groups on the canvas</h3>
      <ul className="nav-list">
        {groups.map((g) => (
          <GroupRow
            key={g.id}
            group={g}
            nodes={nodes}
            canWrite={canWrite}
            onOpen={() => select(g.id, { focus: true })}
          />
        ))}
      </ul>
    </div>
  );
}

function GroupRow({
  group,
  nodes,
  canWrite,
  onOpen,
}: {
  group: FlowNode;
  nodes: readonly FlowNode[];
  canWrite: boolean;
  onOpen: () => void;
}) {
  const client = useRoom((s) => s.client);
  const threads = useRoom((s) => s.state.threads);
  const instances = useRoom((s) => s.state.instances);
  const select = useUi((s) => s.select);
  const label = String(group.data.g.data.label ?? "").trim() || "Group";
  const members = groupMembers(group, nodes);
  // Only what the room still has: a node can outlive its thread or instance for a moment.
  const threadIds = members.threadIds.filter((id) => threads.has(id)).slice(0, MAX_PROJECT_THREADS);
  const instanceIds = members.instanceIds.filter((id) => {
    const instance = instances.get(id);
    return instance && instance.status !== "stopped";
  });
  const make = useAction(async () => {
    if (!client) return;
    const { project } = await client.projects.create({
      name: label.slice(0, MAX_PROJECT_NAME),
      threadIds,
      instanceIds,
    });
    // The project's frame now holds the threads (the room draws it). A group that held
    // nothing else has nothing left to hold: it goes, so the frame takes its place. One
    // with notes or instances stays as it is.
    if (nodes.every((n) => n.data.g.parent !== group.id || n.type === "thread"))
      useCanvas.getState().onNodesChange([{ type: "remove", id: group.id }]);
    select(`project:${project.id}`, { focus: true });
  });
  return (
    <li className="group-row">
      <button
        type="button"
        className="nav-item"
        onClick={onOpen}
        title={`${label}: ${threadIds.length} thread${threadIds.length === 1 ? "" : "s"}, ${instanceIds.length} instance${instanceIds.length === 1 ? "" : "s"}`}
      >
        <span className="nav-title" title={label}>
          {label}
        </span>
      </button>
      {canWrite && (
        <button
          type="button"
          className="link small"
          onClick={() => make.run()}
          disabled={make.pending}
          title="Make this group a project with its threads and instances; the project's frame holds the threads"
        >
          {make.pending ? "Making…" : "Make project"}
        </button>
      )}
      <FormError error={make.error} />
    </li>
  );
}
