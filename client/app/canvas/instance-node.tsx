import type { GraphNode } from "../../../shared/hatchery/graph";
import { useRoom } from "../stores/room";
import { statusWords } from "../../../shared/plain-words";
import { ActivityTimeline, AttentionBadges, readActivity } from "./activity";

const text = (value: unknown): string => (typeof value === "string" ? value : "");
/** A remote value used in a class name: letters, digits, `-` and `_` only. */
const token = (value: string) => value.replace(/[^a-z0-9_-]/gi, "").slice(0, 40);

/**
 * An OpenClaw instance's node body: its name and status from the room's current state (the
 * node's copy while the room has not said), what wants a person, and the activity folded
 * into it (approvals about it outside any thread).
 */
export function InstanceBody({ id, g }: { id: string; g: GraphNode }) {
  const instance = useRoom((s) => s.state.instances.get(g.ref ?? ""));
  const name = instance?.name ?? text(g.data.name);
  const status = instance?.status ?? text(g.data.status);
  const phase = instance?.phase ?? text(g.data.phase);
  return (
    <>
      <div className="node-head">
        <span className="kind-icon" aria-hidden>
          ◆
        </span>
        <span className="node-title">{name || g.ref}</span>
        {status && <span className={`chip instance-${token(status)}`}>{statusWords("instance", status)}</span>}
      </div>
      <AttentionBadges subject={id} />
      <div className="node-foot-row">
        <div className="node-foot">{phase && phase.toLowerCase() !== status ? phase : "OpenClaw instance"}</div>
        <ActivityTimeline activity={readActivity(g.data.activity)} label={name || (g.ref ?? "")} />
      </div>
    </>
  );
}
