import { z } from "zod";
import { EntityId } from "./common";
import { Scope } from "./principal";

/**
 * The Autopilot's effective toolset (protocol 9): which tools it would have in a thread or
 * a project if the requester asked it there — its own (the room's methods, with the
 * requester's scopes as a run narrows them) and each attached OpenClaw instance's — which
 * need a person's approval, and why the others are not offered. Computed by the same
 * functions a run builds its tools with (party/rooms/autopilot/features/toolset/toolset.ts).
 */

/** At most this many entries (the room's own tools, then each instance's gateway tool and catalog). */
export const MAX_TOOLSET_TOOLS = 1500;
/** At most this many instances are described (a project's plus those its threads talk to). */
export const MAX_TOOLSET_INSTANCES = 60;

/** Neither: the workspace in general (the Autopilot's own tools only). Both: refused as invalid params. */
export const AgentToolsetParams = z
  .object({ threadId: EntityId.optional(), projectId: EntityId.optional() })
  .refine((p) => !(p.threadId && p.projectId), { message: "give a threadId or a projectId, not both" })
  .default({});

export const ToolsetTool = z.object({
  /** The tool's name as the model sees it (`threads_list`, `openclaw_tool`), or an instance's own tool's name. */
  name: z.string().max(128),
  /** Plain words: what it does. */
  title: z.string().max(400),
  source: z.enum(["autopilot", "instance"]),
  instanceId: EntityId.optional(),
  instanceName: z.string().max(200).optional(),
  /**
   * `none`: it runs when the Autopilot calls it; `person`: a person approves each call first
   * (or decides the request it files); `refused`: it is not offered here, `why` says why.
   */
  approval: z.enum(["none", "person", "refused"]),
  /** Plain words. */
  why: z.string().max(400),
});
export type ToolsetTool = z.infer<typeof ToolsetTool>;

export const ToolsetInstance = z.object({
  instanceId: EntityId,
  name: z.string().max(200),
  /**
   * `ready`: its gateway answered with its tool list; `unavailable`: its gateway is not
   * connected (or has no tool list right now), so its tools are not listed; `unused`: the
   * Autopilot cannot use its tools here (`why` says why).
   */
  catalog: z.enum(["ready", "unavailable", "unused"]),
  /** Plain words. */
  why: z.string().max(400),
});
export type ToolsetInstance = z.infer<typeof ToolsetInstance>;

export const AgentToolsetResult = z.object({
  /** The scopes a run would act with: the requester's, narrowed to read and write. */
  scopes: z.array(Scope),
  model: z.object({ configured: z.boolean(), id: z.string().max(200).nullable() }),
  /** Whether the Autopilot answers messages here, in plain words (a task started here has these tools either way). */
  replies: z.object({ answers: z.boolean(), why: z.string().max(400) }),
  instances: z.array(ToolsetInstance).max(MAX_TOOLSET_INSTANCES),
  tools: z.array(ToolsetTool).max(MAX_TOOLSET_TOOLS),
});
export type AgentToolsetResult = z.infer<typeof AgentToolsetResult>;
