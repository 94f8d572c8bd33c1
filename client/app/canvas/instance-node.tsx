import type { GraphNode } from "../../../shared/hatchery/graph";
import type { InstanceChannel } from "../../../shared/protocol/instances";
import { useRoom } from "../stores/room";
import { statusWords } from "../../../shared/plain-words";
import { ActivityTimeline, AttentionBadges, readActivity } from "./activity";

const text = (value: unknown): string => (typeof value === "string" ? value : "");
/** A remote value used in a class name: letters, digits, `-` and `_` only. */
const token = (value: string) => value.replace(/[^a-z0-9_-]/gi, "").slice(0, 40);

/** One channel in words: connected, or what it needs. */
const channelWords = (c: InstanceChannel) => `${c.label} ${c.state === "connected" ? "connected" : "needs attention"}`;

/**
 * Its channels' status in one line of words, in the node's foot (the mark beside it only
 * repeats them): those that need attention first. The room keeps them on the instance
 * (Instance.channels); none set up says what the node is, as before.
 */
function FootLine({ channels, phase }: { channels: readonly InstanceChannel[]; phase: string | null }) {
  if (phase) return <div className="node-foot">{phase}</div>;
  if (channels.length === 0) return <div className="node-foot">OpenClaw instance</div>;
  const ordered = [...channels].sort((a, b) => (a.state === b.state ? 0 : a.state === "attention" ? -1 : 1));
  const attention = ordered[0]?.state === "attention";
  const words = ordered.map(channelWords).join(" · ");
  return (
    <div className={`node-foot node-channels${attention ? " attention" : ""}`} title={words}>
      <span aria-hidden>{attention ? "⚠" : "✓"}</span> {words}
    </div>
  );
}

/**
 * An OpenClaw instance's node body: its name and status from the room's current state (the
 * node's copy while the room has not said), its channels' status, what wants a person, and
 * the activity folded into it (approvals about it outside any thread).
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
        <FootLine channels={instance?.channels ?? []} phase={phase && phase.toLowerCase() !== status ? phase : null} />
        <ActivityTimeline activity={readActivity(g.data.activity)} label={name || (g.ref ?? "")} />
      </div>
    </>
  );
}
