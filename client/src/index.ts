export {
  AutopilotClient,
  type AutopilotClientOptions,
  type ClientEvents,
  type ClientWarning,
  type ProtocolDeprecation,
  type ProtocolLacks,
  type ConnectionStatus,
  type OutboxEntry,
  type RequestArgs,
  type RequestOptions,
  type RequestParams,
  type StatusDetail,
} from "./client";
export { AutopilotError, type AutopilotErrorCode } from "./errors";
export { signUpAgent, type AgentSignupResponse } from "./signup";
export {
  applyEvent,
  applyHello,
  diffStreams,
  emptyState,
  threadStreams,
  type StreamChange,
  type WorkspaceState,
} from "./state";
export type { KnownEvent, ReceivedEvent, UnknownEvent } from "./frames";
export * from "../../shared/protocol/index";
