// One run of the `autopilot` CLI: its words in, its exit code out. Everything it takes from
// the process it runs in comes through `CliProcess`, so the bin (cli.ts) hands it the real
// process and a test can run the same code in its own, with the output captured.
import { hostname } from "node:os";
import { AutopilotClient } from "../client";
import { AutopilotError } from "../errors";
import { signUpAgent } from "../signup";
import { parseCli, type Invocation } from "./args";
import { UsageError } from "./command-table";
import { describeError, runCommand } from "./commands";
import { type CliIO, EXIT } from "./io";

/** What a run takes from its process. */
export interface CliProcess {
  env: Record<string, string | undefined>;
  /** Raw text for stdout and for stderr. */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The whole of stdin, as text. */
  readStdin: () => Promise<string>;
  /** Calls `interrupt` when the run is asked to stop (Ctrl-C, SIGTERM). */
  onInterrupt: (interrupt: () => void) => void;
}

/** The lines the commands print, as they reach the process's streams. */
function cliIO(host: CliProcess): CliIO {
  return {
    out: (text) => host.stdout(`${text}\n`),
    write: (text) => host.stdout(text),
    err: (text) => host.stderr(`autopilot: ${text}\n`),
    readStdin: host.readStdin,
  };
}

function parse(argv: string[], env: CliProcess["env"], io: CliIO): Invocation | number {
  try {
    return parseCli(argv, env, `cli@${hostname()}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(error.message);
    io.err(`run "autopilot ${error.command ? `${error.command} ` : ""}--help" for usage`);
    return EXIT.usage;
  }
}

/** Prints the sign-up's answer (key included: shown this once) and how to use it. */
async function signup(url: string, command: { agentName: string; invitation?: string }, io: CliIO): Promise<number> {
  try {
    const answer = await signUpAgent(url, {
      name: command.agentName,
      ...(command.invitation !== undefined && { invitation: command.invitation }),
    });
    io.out(JSON.stringify(answer));
    io.err(
      `${answer.message}. Use it with: export AUTOPILOT_URL=${url} AUTOPILOT_WORKSPACE=${answer.workspace.id} AUTOPILOT_KEY=<the key above>`,
    );
    return EXIT.ok;
  } catch (error) {
    io.err(describeError(error));
    return error instanceof AutopilotError && error.code === "bad_request" ? EXIT.usage : EXIT.failure;
  }
}

/**
 * One line on stderr when the server will stop speaking this client's version soon, or speaks
 * less than it: stdout stays the command's JSON, and an agent's owner sees it in the logs.
 */
function tellProtocolNotes(client: AutopilotClient, io: CliIO): void {
  client.on("deprecated", ({ protocol, removedAfter, upgrade }) =>
    io.err(`this server stops speaking protocol ${protocol} after ${removedAfter}; ${upgrade}`),
  );
  client.on("degraded", ({ serverProtocol, clientProtocol, methods, capabilities }) => {
    const missing = [...methods, ...capabilities];
    const shown = missing.slice(0, 6).join(", ") + (missing.length > 6 ? ` and ${missing.length - 6} more` : "");
    io.err(`this server speaks protocol ${serverProtocol} (this client ${clientProtocol}); it lacks ${shown}`);
  });
}

/** Runs the command `argv` names and resolves with the exit code; it never exits the process. */
export async function runCli(argv: string[], host: CliProcess): Promise<number> {
  const io = cliIO(host);
  const invocation = parse(argv, host.env, io);
  if (typeof invocation === "number") return invocation;
  if (invocation.kind === "help") {
    io.out(invocation.text);
    return EXIT.ok;
  }
  if (invocation.kind === "signup") return signup(invocation.url, invocation.command, io);
  const { command, connection } = invocation;
  let interrupted = false;
  let client: AutopilotClient | null = null;
  host.onInterrupt(() => {
    interrupted = true;
    client?.close();
  });
  try {
    client = new AutopilotClient({
      url: connection.url,
      workspace: connection.workspace,
      apiKey: connection.apiKey,
      device: connection.device,
      // `watch --thread`: the room sends those threads' messages and streams, a bump for the rest (protocol 18).
      ...(command.name === "watch" && command.view ? { view: command.view } : {}),
    });
    tellProtocolNotes(client, io);
    const code = await runCommand(client, command, io);
    // Ctrl-C is how `watch` is meant to end; anything else was cut short.
    return interrupted && command.name !== "watch" ? EXIT.interrupted : code;
  } catch (error) {
    if (interrupted) return EXIT.interrupted;
    io.err(describeError(error));
    // Params the client rejected locally are a usage problem, not a server one.
    return error instanceof AutopilotError && error.code === "bad_request" ? EXIT.usage : EXIT.failure;
  } finally {
    client?.close();
  }
}
