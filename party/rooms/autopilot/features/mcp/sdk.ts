// Everything of the MCP SDK the room runs, behind one module that sessions.ts imports only
// when the first MCP request arrives: the SDK's workerd entry builds all of its wire schemas
// when it is evaluated, which an isolate that only serves sockets should not pay for at start.
export {
  isInitializeRequest,
  readRequestBody,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
export { sessionServer } from "./server";
