import type { ModelConfig } from "../../../agent/config";
import type { AutopilotAgent } from "../../../agent/runner";
import { inbox } from "./inbox";
import { mcp } from "./mcp";
import type { Feature } from "../kernel/feature";
import { agent } from "./agent";
import { type BillingNews, type BillingParts, billing } from "./billing";
import { type InstanceMeters, metering } from "./metering";
import type { RetentionSweep } from "../schedules/retention-sweep";
import { type ApprovalExpiry, approvals } from "./approvals";
import { type InstanceHost, instances } from "./instances";
import { schedules } from "./schedules";
import { projects } from "./projects";
import { type TaskParts, tasks } from "./tasks";
import { threads } from "./threads";
import { jobs, live, workspace } from "./workspace";

/** The live parts of the room the features act through. */
export interface RoomParts {
  instances: InstanceHost;
  /** Wakes the room when a pending approval's time runs out. */
  expiry: ApprovalExpiry;
  /** The workspace's Hatchery, told there is news to pull (coalesced). */
  canvas: { poke(): void };
  /** People's inboxes, recomputed for whom a commit touched (features/inbox/). */
  inbox: Parameters<typeof inbox>[0];
  /** MCP sessions' resource subscriptions (features/mcp/). */
  mcp: Parameters<typeof mcp>[0];
  /** The retention sweep's schedule, made sure of once there is something to sweep. */
  retention: Pick<RetentionSweep, "ensure" | "run">;
  agent: Pick<AutopilotAgent, "onPosted" | "onApprovalResolved" | "recover">;
  /** The Autopilot's model configuration (agent.toolset reads which gateway tools are risky). */
  model: () => ModelConfig;
  /** Schedules' runner (features/schedules/): claims and acts on what is due, keeps the alarm at the next run. */
  schedules: Parameters<typeof schedules>[0];
  tasks: TaskParts;
  /** The workspace's money: its tables' writer and configuration, and the news of changes to clients. */
  billing: { parts: BillingParts; news: BillingNews };
  /** The communities over Nostr (features/community/): its methods, built with the room's live parts. */
  community: Feature;
  /** What the instances cost: their time and their gateways' model use (features/metering/). */
  metering: { meters: InstanceMeters; keepAliveWhile(work: () => Promise<void>): Promise<void> };
}

/**
 * The Autopilot room's features, in the order the after-commit bus calls them (kernel/bus.ts):
 * the room's bookkeeping first, then the features that act on a change. Every registry
 * method is answered by exactly one of them (kernel/handlers.ts methodTable).
 */
export function roomFeatures(p: RoomParts): Feature[] {
  return [
    threads,
    approvals(p.expiry),
    // Before tasks and the Autopilot's runs: an approved spend approval's raise is written first.
    billing(p.billing),
    jobs,
    projects,
    workspace,
    live,
    {
      name: "canvas",
      afterCommit: (effects) => {
        if (effects.events.length > 0) p.canvas.poke();
      },
    },
    inbox(p.inbox),
    p.community,
    mcp(p.mcp),
    {
      name: "retention",
      afterCommit: () => p.retention.ensure(),
      schedules: { sweepRetention: () => p.retention.run(Date.now()) },
      start: () => p.retention.ensure(),
    },
    instances(p.instances),
    // After instances: an instance's status is billed once the bridges followed it.
    metering(p.metering),
    agent(p.agent, p.model),
    schedules(p.schedules),
    tasks(p.tasks),
    // Moves `instances.startChat` starts along when an approval was decided or an instance changed.
    { name: "chat-starts", afterCommit: (effects) => p.instances.chatStarts(effects) },
  ];
}
