import { type FormEvent, useState } from "react";
import { type Instance, TOOL_OPERATIONS } from "../../../../shared/protocol/instances";
import type { InstanceTool } from "../../../../shared/protocol/instance-tools";
import { useAction } from "../../lib/action";
import { FormError } from "../../lib/form-error";
import { useRoom } from "../../stores/room";
import { GatewaySection, ItemHead, useGatewaySection } from "../gateway-section";
import "../skills/skills.css";
import "./tools.css";

/**
 * An instance's own tools in the inspector (decision 73): what its gateway lists, and a form to
 * run one with its arguments as JSON. A tool the operator marks risky is an approval a person
 * decides (its answer is then the job's result); any other runs at once and its answer shows
 * here, as text.
 */

/** The arguments typed, as the object the room takes, or why not. */
export function parseArgs(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("The arguments are not JSON.");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error('The arguments are a JSON object, e.g. {"query": "…"}.');
  return value as Record<string, unknown>;
}

function RunToolForm({ instance, tool, disabled }: { instance: Instance; tool: InstanceTool; disabled: boolean }) {
  const client = useRoom((s) => s.client);
  const [args, setArgs] = useState("{}");
  const [answer, setAnswer] = useState<{ ok: boolean; output: string } | null>(null);
  const run = useAction(async () => {
    if (!client) return;
    setAnswer(null);
    const result = await client.instances.invokeTool({
      instanceId: instance.id,
      tool: tool.name,
      args: parseArgs(args),
    });
    setAnswer(result.ran);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.run();
  };
  return (
    <form className="skill-form" aria-label={`Run ${tool.name}`} onSubmit={submit}>
      <label>
        Arguments (JSON)
        <textarea value={args} onChange={(e) => setArgs(e.target.value)} rows={3} spellCheck={false} />
      </label>
      <div className="actions">
        <button type="submit" className="small" disabled={disabled || run.pending}>
          {run.pending ? "Running…" : tool.needsApproval ? `Ask to run ${tool.name}` : `Run ${tool.name}`}
        </button>
      </div>
      <FormError error={run.error} />
      {answer && <pre className={`tool-output${answer.ok ? "" : " form-error"}`}>{answer.output}</pre>}
    </form>
  );
}

export function InstanceTools({ instance }: { instance: Instance }) {
  const { read, pending, disabled } = useGatewaySection(
    instance,
    TOOL_OPERATIONS,
    async (c, instanceId) => (await c.instances.tools({ instanceId })).tools,
  );
  const [open, setOpen] = useState<string | null>(null);
  return (
    <GatewaySection title="Tools" className="instance-tools" instance={instance} read={read} pending={pending}>
      {read.data && (
        <details className="skill-rest">
          <summary className="small">{read.data.length} tools of its agent</summary>
          <ul className="skill-list" aria-label="Tools">
            {read.data.map((tool) => (
              <li key={tool.name} className="skill-row" data-tool={tool.name}>
                <ItemHead
                  name={tool.name}
                  about={tool.needsApproval && "runs once a person approves"}
                  description={tool.description}
                />
                {open === tool.name ? (
                  <RunToolForm instance={instance} tool={tool} disabled={disabled} />
                ) : (
                  <button type="button" className="link small" disabled={disabled} onClick={() => setOpen(tool.name)}>
                    Run…
                  </button>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
      <p className="muted small">
        What the instance's agent can use, run directly. A tool that could change something waits for a person's
        approval; its answer is then the job's result.
      </p>
    </GatewaySection>
  );
}
