// The MCP resources' addresses (docs/mcp.md), apart from the server so that the room can
// name them without loading the SDK.
export const THREADS_URI = "autopilot://threads";
export const MESSAGES_TEMPLATE = "autopilot://threads/{threadId}/messages";
export const messagesUri = (threadId: string) => `autopilot://threads/${encodeURIComponent(threadId)}/messages`;
