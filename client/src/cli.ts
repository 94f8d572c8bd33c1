import { hostname } from "node:os";
import { AutopilotClient } from "./client";
import { parseCli, type Invocation } from "./cli/args";
import { UsageError } from "./cli/command-table";
import { describeError, runCommand } from "./cli/commands";
import { type CliIO, EXIT } from "./cli/io";
import { AutopilotError } from "./errors";
import { signUpAgent } from "./signup";

const io: CliIO = {
  out: (text) => void process.stdout.write(`${text}\n`),
  write: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(`autopilot: ${text}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
};

function parse(argv: string[]): Invocation | number {
  try {
    return parseCli(argv, process.env, `cli@${hostname()}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(error.message);
    io.err(`run "autopilot ${error.command ? `${error.command} ` : ""}--help" for usage`);
    return EXIT.usage;
  }
}

/** Prints the sign-up's answer (key included: shown this once) and how to use it. */
async function signup(url: string, command: { agentName: string; invitation?: string }): Promise<number> {
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

async function main(argv: string[]): Promise<number> {
  const invocation = parse(argv);
  if (typeof invocation === "number") return invocation;
  if (invocation.kind === "help") {
    io.out(invocation.text);
    return EXIT.ok;
  }
  if (invocation.kind === "signup") return signup(invocation.url, invocation.command);
  const { command, connection } = invocation;
  let interrupted = false;
  let client: AutopilotClient | null = null;
  const interrupt = () => {
    interrupted = true;
    client?.close();
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    client = new AutopilotClient({
      url: connection.url,
      workspace: connection.workspace,
      apiKey: connection.apiKey,
      device: connection.device,
    });
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

// `autopilot watch | head` closes stdout early; that is a normal way to stop.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(EXIT.ok);
  throw error;
});

void main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Exit even if a socket is slow to finish its closing handshake.
    setTimeout(() => process.exit(code), 1_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `autopilot: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(EXIT.failure);
  },
);
