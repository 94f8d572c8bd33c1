import type { RpcOf } from "../kernel/features";
import { access } from "./access";
import { agent } from "./agent";
import { approvalReach } from "./approval-reach";
import { approvals } from "./approvals";
import { billing } from "./billing";
import { canvas } from "./canvas";
import { chats } from "./chats";
import { community } from "./community";
import { decisionLinks } from "./decision-links";
import { discordChats } from "./discord";
import { files } from "./files";
import { inbox } from "./inbox";
import { mcp } from "./mcp";
import { memory } from "./memory";
import { model } from "./model";
import { pins } from "./pins";
import { chatStarts } from "./chat-starts";
import { devices } from "./devices";
import { gatewayBridge } from "./gateway-bridge";
import { gatewayChannels } from "./gateway-channels";
import { gatewaySkills } from "./gateway-skills";
import { instanceConfig } from "./instance-config";
import { instanceTools } from "./instance-tools";
import { instanceSleep } from "./instance-sleep";
import { instanceStore } from "./instance-store";
import { instances } from "./instances";
import { metering } from "./metering";
import { projects } from "./projects";
import { retention } from "./retention";
import { schedules } from "./schedules";
import { tasks } from "./tasks";
import { threads } from "./threads";
import { toolset } from "./toolset";
import { traces } from "./traces";
import { jobs } from "./jobs";
import { live, workspace } from "./workspace";

/**
 * The Autopilot room's features: the one list. Every registry method is answered by exactly
 * one of them (kernel/handlers.ts methodTable). The kernel builds them and calls them on the
 * after-commit bus each after the features it declares it `needs` (kernel/features.ts): what
 * a feature relies on of another is declared there, never by its place here.
 */
export const ROOM_FEATURES = [
  access,
  agent,
  approvalReach,
  approvals,
  billing,
  canvas,
  chatStarts,
  chats,
  community,
  decisionLinks,
  devices,
  discordChats,
  files,
  gatewayBridge,
  gatewayChannels,
  gatewaySkills,
  inbox,
  instanceConfig,
  instanceSleep,
  instanceStore,
  instanceTools,
  instances,
  jobs,
  live,
  mcp,
  memory,
  metering,
  model,
  pins,
  projects,
  retention,
  schedules,
  tasks,
  threads,
  toolset,
  traces,
  workspace,
] as const;

/** The room's RPC surface for the Hatchery, the Worker and the relay: every feature's part of it. */
export type RoomRpc = RpcOf<typeof ROOM_FEATURES>;
