import { useEffect, useId, useState } from "react";
import type { AgentToolsetResult, ToolsetInstance, ToolsetTool } from "../../../../shared/protocol/toolset";
import { useAction } from "../../lib/action";
import { FormError } from "../../lib/form-error";
import type { WorkspaceState } from "../../../src/state";
import { useRoom } from "../../stores/room";
import "./toolset.css";

/**
 * "Autopilot's tools here" (agent.toolset, protocol 9): which tools the Autopilot would have
 * in a thread or a project if you asked it there — its own, then each attached OpenClaw
 * instance's — which wait for a person's approval, and why the others are not offered. The
 * room builds the answer the way a run builds its tools, for your scopes; this only shows
 * it. Read when opened, and again when what it depends on changes (who answers, the
 * attached instance, its gateway's link, the project's instances and threads).
 */
export function ToolsetSection({
  where,
  label = "Autopilot's tools here",
  defaultOpen = false,
}: {
  where: { threadId: string } | { projectId: string };
  label?: string;
  defaultOpen?: boolean;
}) {
  const client = useRoom((s) => s.client);
  const status = useRoom((s) => s.status);
  const changes = useRoom((s) => dependsOn(s.state, where));
  const [open, setOpen] = useState(defaultOpen);
  const [toolset, setToolset] = useState<AgentToolsetResult | null>(null);
  const load = useAction(async () => {
    if (!client) return;
    setToolset(await client.agent.toolset(where));
  });
  const { run } = load;
  const key = "threadId" in where ? `t:${where.threadId}` : `p:${where.projectId}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again on these changes only; `run` is new every render
  useEffect(() => {
    if (open && status === "connected") run();
  }, [open, status, key, changes]);
  const usable = toolset?.tools.filter((t) => t.approval !== "refused").length ?? null;
  const gated = toolset?.tools.filter((t) => t.approval === "person").length ?? null;
  return (
    <details className="toolset" open={open} onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="toolset">
      <summary>
        <span className="toolset-label">{label}</span>
        {usable !== null && (
          <span className="muted small">
            {" "}
            · {usable} it can use, {gated} with a person's approval
          </span>
        )}
      </summary>
      {!toolset ? (
        load.error ? null : (
          <p className="muted small">Reading what the Autopilot would have here…</p>
        )
      ) : (
        <ToolsetBody toolset={toolset} />
      )}
      <FormError error={load.error} />
      {toolset && (
        <button type="button" className="link small" onClick={() => run()} disabled={load.pending}>
          {load.pending ? "Reading…" : "Read again"}
        </button>
      )}
    </details>
  );
}

/** What the answer depends on, as one string: a change reads it again. */
function dependsOn(state: WorkspaceState, where: { threadId: string } | { projectId: string }): string {
  const threadIds =
    "threadId" in where ? [where.threadId] : (state.projects.get(where.projectId)?.threadIds ?? []).slice(0, 500);
  const instanceIds = new Set("projectId" in where ? (state.projects.get(where.projectId)?.instanceIds ?? []) : []);
  const parts: string[] = [];
  for (const id of threadIds) {
    const thread = state.threads.get(id);
    if (!thread) continue;
    parts.push(`${id}:${thread.responder.kind}:${thread.responder.reply}:${thread.gateway?.instanceId ?? ""}`);
    if (thread.gateway) instanceIds.add(thread.gateway.instanceId);
  }
  for (const id of instanceIds) {
    const instance = state.instances.get(id);
    parts.push(`${id}:${instance?.status ?? "gone"}:${instance?.bridge ?? ""}`);
  }
  return parts.join("|");
}

const scopeWords = (scopes: readonly string[]): string =>
  scopes.includes("write")
    ? "Acting for you, it may read and change things here, as you may."
    : scopes.includes("read")
      ? "Acting for you, it may only read: your access here does not let it change anything."
      : "Acting for you, it may do nothing here.";

function ToolsetBody({ toolset }: { toolset: AgentToolsetResult }) {
  const own = toolset.tools.filter((t) => t.source === "autopilot");
  return (
    <div className="toolset-body">
      {!toolset.model.configured && (
        <p className="notice" role="status">
          {toolset.replies.why}
        </p>
      )}
      <p className="muted small">
        {toolset.model.configured && `${toolset.replies.why} `}
        {scopeWords(toolset.scopes)}
      </p>
      <ToolGroup heading="Its own" tools={own} />
      {toolset.instances.map((instance) => (
        <ToolGroup
          key={instance.instanceId}
          heading={`${instance.name} (OpenClaw instance)`}
          instance={instance}
          tools={toolset.tools.filter((t) => t.source === "instance" && t.instanceId === instance.instanceId)}
        />
      ))}
    </div>
  );
}

const GROUPS = [
  { approval: "person", heading: "Waits for a person's approval", open: true },
  { approval: "none", heading: "Runs when the Autopilot calls it", open: false },
  { approval: "refused", heading: "Not available here", open: false },
] as const;

function ToolGroup({
  heading,
  tools,
  instance,
}: {
  heading: string;
  tools: ToolsetTool[];
  instance?: ToolsetInstance;
}) {
  const headingId = useId();
  return (
    <section className="toolset-group" aria-labelledby={headingId}>
      <h4 id={headingId}>{heading}</h4>
      {instance && (
        <p className={`small toolset-instance toolset-${instance.catalog}`} role="note">
          {instance.why}
        </p>
      )}
      {GROUPS.map(({ approval, heading: groupHeading, open }) => {
        const these = tools.filter((t) => t.approval === approval);
        if (these.length === 0) return null;
        return (
          <details key={approval} className={`toolset-kind toolset-${approval}`} open={open}>
            <summary>
              {groupHeading} <span className="muted">({these.length})</span>
            </summary>
            {/* Tools with the same reason are listed under it once ("runs at once" is the heading's already). */}
            {byReason(these, approval !== "none").map(({ why, tools: listed }) => (
              <div key={why} className="toolset-reason">
                {why && <p className="toolset-why">{why}</p>}
                <ul>
                  {listed.map((tool) => (
                    <li key={`${tool.instanceId ?? ""}:${tool.name}`}>
                      <span className="toolset-title">{tool.title}</span>{" "}
                      <code className="toolset-name">{tool.name}</code>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </details>
        );
      })}
    </section>
  );
}

/** Tools grouped by their reason, the most common first; one group without a reason when reasons are not shown. */
function byReason(tools: ToolsetTool[], withReason: boolean): { why: string; tools: ToolsetTool[] }[] {
  if (!withReason) return [{ why: "", tools }];
  const groups = new Map<string, ToolsetTool[]>();
  for (const tool of tools) groups.set(tool.why, [...(groups.get(tool.why) ?? []), tool]);
  return [...groups.entries()]
    .map(([why, listed]) => ({ why, tools: listed }))
    .sort((a, b) => b.tools.length - a.tools.length);
}
