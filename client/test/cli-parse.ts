// How the CLI's words parse, without running anything: the environment a test gives it, the
// command a line becomes, and the refusal (before connecting) a bad line gets.
import { parseCli } from "../src/cli/args";
import { UsageError } from "../src/cli/command-table";

export const CLI_ENV = { AUTOPILOT_URL: "http://localhost:8787", AUTOPILOT_WORKSPACE: "ws_1", AUTOPILOT_KEY: "key_1" };

type Environment = Record<string, string | undefined>;

/** The command a line parses to (throws if it is not one to run). */
export function parsedCommand(argv: string[], environment: Environment = CLI_ENV) {
  const invocation = parseCli(argv, environment, "test-device");
  if (invocation.kind !== "run") throw new Error("expected a command");
  return invocation.command;
}

/** The usage error a line gets (throws if it parses). */
export function usageError(argv: string[], environment: Environment = CLI_ENV): UsageError {
  try {
    parseCli(argv, environment);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error("expected a usage error");
}
