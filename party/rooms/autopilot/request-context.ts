import type { z } from "zod";
import type { MethodName, MethodResult } from "../../../shared/protocol/methods";
import type { GraphCommand } from "../../../shared/protocol/graph";
import type {
  InstancesDetailsResult,
  InstancesDeviceSetupResult,
  InstancesInvokeNodeParams,
  InstancesInvokeNodeResult,
} from "../../../shared/protocol/instances";
import type { InstancesChannelsResult } from "../../../shared/protocol/channels";
import type { EventPayload } from "../../../shared/protocol/events";
import type { PresenceEntry } from "../../../shared/protocol/presence";
import type { Actor, Principal } from "../../../shared/protocol/principal";
import type { CurrentAccess } from "./kernel/services";
import type { Via } from "./kernel/feature";
import type { AutopilotAgent } from "./features/agent/runner";
import type { RoomWriter } from "./kernel/commit";
import type { BridgeSupervisor } from "./features/instances/bridge-supervisor";
import type { GraphApplyOutcome } from "../hatchery/room";
import type { PushConfig } from "./features/inbox/push";

/**
 * The Autopilot room's live parts, built once with the room: what its methods, its agent's
 * tools and its reactions act through besides SQL.
 */
export interface AutopilotContext extends RoomWriter {
  /** One bridge per instance that exists (party/rooms/autopilot/features/instances/bridge-supervisor.ts). */
  bridges: BridgeSupervisor;
  agent: AutopilotAgent;
  /** Who is connected now. */
  presence(): PresenceEntry[];
  /** Whether the Autopilot's model is configured: it then answers new threads. */
  modelConfigured(): boolean;
  /** An instance's details from the runtime and its gateway (party/rooms/autopilot/features/instances/details.ts). */
  instanceDetails(instanceId: string): Promise<z.output<typeof InstancesDetailsResult>>;
  /** Devices and nodes of an instance's gateway (party/rooms/autopilot/features/instances/devices/): a setup code; a command on a node. */
  devices: {
    setup(principal: Principal, instanceId: string): Promise<z.output<typeof InstancesDeviceSetupResult>>;
    invokeNode(
      principal: Principal,
      params: z.output<typeof InstancesInvokeNodeParams>,
      approvedCall?: string,
    ): Promise<z.output<typeof InstancesInvokeNodeResult>>;
  };
  /** An instance's channels as its gateway reports them (party/rooms/autopilot/features/instances/channels/status.ts). */
  instanceChannels(instanceId: string): Promise<z.output<typeof InstancesChannelsResult>>;
  /** Applies graph commands in the Hatchery as `principalId`, once per key. */
  applyGraph(principalId: string, idempotencyKey: string, commands: GraphCommand[]): Promise<GraphApplyOutcome>;
  /** A principal's access as D1 has it now. */
  currentAccess: CurrentAccess;
  /**
   * Lets `principal` run this call on the approval a person granted for exactly it (an MCP
   * agent's gated call, features/mcp/gated-calls.ts), or throws why not; `answeredBefore`: a
   * repeat of a call that answered claims nothing.
   */
  claimApprovedCall(
    approvalId: string,
    principal: Principal,
    method: MethodName,
    params: Record<string, unknown>,
    answeredBefore: () => boolean,
  ): Promise<void>;
  /** People's inboxes (features/inbox/): send a person's changed inbox to their tabs; look at the mail schedule again. */
  inbox: {
    refresh(principalIds: Iterable<string>): void;
    preferencesChanged(): void /** Web Push as configured (null: off). */;
    push: PushConfig | null;
    /** One of a principal's read markers moved: tell that principal's own sockets (`thread.read`), nobody else's. */
    readMoved(principalId: string, payload: EventPayload<"thread.read">): void;
  };
}

/** One request to the room: who asks, when, and the room that answers. */
export interface RequestContext {
  room: AutopilotContext;
  principal: Principal;
  /** Where the request came from (a socket, MCP, a tool, a schedule, a decision link, a chat). */
  via: Via;
  /** Whose turn this request is done for, when not the principal's own (the Autopilot's run: its trigger). */
  onBehalfOf?: Actor;
  /** The approval a person granted for exactly this call (an MCP agent's gated tool): dispatch refuses the call unless the approval's gate names it. */
  approvedCall?: string;
  /** The schedule whose run this request is: a message it posts carries its id. */
  scheduleId?: string;
  now: number;
  /** Sets the requesting socket's presence status and tells everyone (a tool call has no socket). */
  setStatus(status: string | null): PresenceEntry;
  /** Sets the threads the requesting socket gets messages and streams of (a tool call has no socket). */
  view(threads: readonly string[]): MethodResult<"threads.view">;
}
