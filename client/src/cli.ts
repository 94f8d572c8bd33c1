// The `autopilot` bin: one run of the CLI (cli/main.ts) on this process's streams, signals
// and environment, and the process's exit.
import { EXIT } from "./cli/io";
import { runCli } from "./cli/main";

// `autopilot watch | head` closes stdout early; that is a normal way to stop.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(EXIT.ok);
  throw error;
});

void runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  onInterrupt: (interrupt) => {
    process.once("SIGINT", interrupt);
    process.once("SIGTERM", interrupt);
  },
}).then(
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
