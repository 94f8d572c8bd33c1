/**
 * The command line, parsed by commander: the command tree, option parsing and the help
 * are commander's; what each command takes and does comes from `command-table.ts`.
 * Commander's own error texts are replaced by ours (one readable line, naming the
 * command), so the runner can print them and exit 2.
 *
 * Pinned to commander 14: agents run the CLI on their own Node (20 or later), and 15
 * declares Node >= 22.12. The tests that spawn the bundle run it on Node 20 (`AUTOPILOT_TEST_NODE`).
 */
import { CommanderError, Command as CommanderCommand, Option } from "commander";
import {
  COMMANDS,
  CONNECTION_OPTIONS,
  type Command,
  type CommandSpec,
  type Connection,
  OPTIONS,
  type OptionName,
  UsageError,
  type Values,
} from "./command-table";

/** Every command but `signup` runs over the room's socket. */
export type SocketCommand = Exclude<Command, { name: "signup" }>;

export type Invocation =
  | { kind: "help"; text: string }
  | { kind: "run"; command: SocketCommand; connection: Connection }
  /** `signup` is plain HTTP to the server: no workspace or key yet. */
  | { kind: "signup"; command: Extract<Command, { name: "signup" }>; url: string };

const FOOTER = [
  "",
  "Results are printed on stdout as one JSON object per line (the method's result as",
  'the room sent it, e.g. {"thread":{...}}); errors as one line on stderr.',
  "send --wait-reply prints the reply (the Autopilot's or the OpenClaw instance's) as plain",
  "text instead, as it streams; runlog and billing print sentences unless given --json.",
  "Exit codes: 0 ok, 1 approval denied or expired (request-approval --wait) or an error",
  "message or stopped run (send --wait-reply), 2 usage error, 3 server or connection error",
  "(or no reply in time, or a thread nobody answers), 130 interrupted.",
  "Run `autopilot <command> --help` for a command's options.",
].join("\n");

function flag(name: OptionName): string {
  const o = OPTIONS[name];
  return `--${name}${"value" in o ? ` ${o.value}` : ""}`;
}

const option = (name: OptionName) => new Option(flag(name), OPTIONS[name].help);

/** `thread new` for the command `new` under `thread`; "" for the program itself. */
function fullName(command: CommanderCommand): string {
  const names: string[] = [];
  for (let c: CommanderCommand | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Commands that run something; a group such as `memory` can be one too (`memory` lists). */
const runnable = new WeakSet<CommanderCommand>();

const leaves = (command: CommanderCommand): CommanderCommand[] =>
  command.commands.flatMap((c) =>
    c.commands.length ? [...(runnable.has(c) ? [c] : []), ...leaves(c)] : c.name() === "help" ? [] : [c],
  );

const choices = (group: CommanderCommand) => leaves(group).map(fullName).join(", ");

/** Commander's errors, in our words. Help shown on request stays a CommanderError. */
function translate(error: CommanderError, command: CommanderCommand): Error {
  const name = fullName(command) || undefined;
  const known = new Set(command.registeredArguments.map((a) => a.name()));
  switch (error.code) {
    case "commander.missingArgument":
      return new UsageError(
        `missing <${command.registeredArguments[command.args.length]?.name() ?? [...known].join("> <")}>`,
        name,
      );
    case "commander.excessArguments":
      return new UsageError(`unexpected argument "${command.args[command.registeredArguments.length]}"`, name);
    case "commander.unknownCommand":
      return name
        ? new UsageError(`unknown ${name} command "${command.args[0]}"; one of: ${choices(command)}`, name)
        : new UsageError(`unknown command "${command.args[0]}"`);
    case "commander.help":
      // A group (or the program) without its command; `--help` is commander.helpDisplayed.
      return name
        ? new UsageError(`missing ${name} command; one of: ${choices(command)}`, name)
        : new UsageError("missing command");
    case "commander.unknownOption": {
      const flag = /'([^']+)'/.exec(error.message)?.[1] ?? "";
      const elsewhere = flag.startsWith("--") && flag.slice(2) in OPTIONS;
      return elsewhere && name
        ? new UsageError(`${flag} is not an option of "${name}"`, name)
        : new UsageError(`unknown option "${flag}"`, name);
    }
    case "commander.optionMissingArgument":
      return new UsageError(error.message.replace(/^error: /, ""), name);
    default:
      return error.code.startsWith("commander.help") || error.code === "commander.version"
        ? error
        : new UsageError(error.message.replace(/^error: /, ""), name);
  }
}

/** Commander settings every command of the tree needs (they are not all inherited). */
function configure(command: CommanderCommand, write: (text: string) => void): CommanderCommand {
  return command
    .exitOverride((error) => {
      throw translate(error, command);
    })
    .configureOutput({ writeOut: write, writeErr: () => {} })
    .showSuggestionAfterError(false);
}

interface Parsed {
  name: string;
  spec: CommandSpec;
  words: string[];
  values: Values;
}

/** The program for one parse: commander keeps parse state on its command objects. */
function program(write: (text: string) => void, parsed: (result: Parsed) => void): CommanderCommand {
  const root = configure(new CommanderCommand("autopilot"), write)
    .description("autopilot — talk to an Autopilot workspace from the command line")
    .usage("<command> [arguments] [options]")
    .helpCommand(false)
    .configureHelp({
      showGlobalOptions: true,
      // Every command by its full name (`thread new`), not the groups.
      visibleCommands: (command) => leaves(command),
      subcommandTerm: (command) => fullName(command),
      subcommandDescription: (command) => command.description(),
    })
    .addHelpText("after", FOOTER);
  for (const name of CONNECTION_OPTIONS) root.addOption(option(name));

  const groups = new Map<string, CommanderCommand>();
  const groupFor = (first: string, description = `${first} commands`): CommanderCommand => {
    if (!groups.has(first))
      groups.set(
        first,
        configure(root.command(first), write).description(description).usage("<command> [arguments] [options]"),
      );
    return groups.get(first)!;
  };
  for (const [name, spec] of Object.entries(COMMANDS)) {
    const [first, second] = name.split(" ") as [string, string | undefined];
    const parent = second ? groupFor(first) : root;
    // `name?`: an argument that may be left out.
    const args = spec.args.map((arg) => (arg.endsWith("?") ? `[${arg.slice(0, -1)}]` : `<${arg}>`));
    const usage = [...args, ...spec.options.map((o) => `[${flag(o)}]`)].join(" ");
    // A one-word command whose name also heads a group is that group (listed first in the table).
    const command = (second ? configure(parent.command(second), write) : groupFor(first, spec.summary))
      .description(spec.summary)
      .usage(usage);
    runnable.add(command);
    for (const arg of args) command.argument(arg);
    for (const o of spec.options) command.addOption(option(o));
    command.action(() => {
      const given = command.optsWithGlobals();
      const values = Object.fromEntries(
        [...CONNECTION_OPTIONS, ...spec.options]
          .map((o) => [o, given[option(o).attributeName()]])
          .filter(([, v]) => v !== undefined),
      ) as Values;
      const words = (command.processedArgs as (string | string[])[]).map((w) => (Array.isArray(w) ? w.join(" ") : w));
      parsed({ name, spec, words, values });
    });
  }

  // `autopilot help [command words]`: that command's help, or everything.
  configure(root.command("help"), write)
    .description("show help")
    .argument("[command...]")
    .action((words: string[]) => {
      let target = root;
      for (const word of words) target = target.commands.find((c) => c.name() === word) ?? target;
      target.outputHelp();
    });
  return root;
}

export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaultDevice = "cli",
): Invocation {
  let out = "";
  let result: Parsed | undefined;
  try {
    program(
      (text) => (out += text),
      (p) => (result = p),
    ).parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return { kind: "help", text: out.trimEnd() };
    throw error;
  }
  if (!result) return { kind: "help", text: out.trimEnd() };
  const { name, spec, words, values } = result;
  for (const [index, arg] of spec.args.entries()) {
    if (!arg.endsWith("?") && !words[index]?.trim()) throw new UsageError(`missing <${arg.replace("...", "")}>`, name);
  }
  let command: Command;
  try {
    command = spec.build(words, values);
  } catch (error) {
    throw error instanceof UsageError && !error.command ? new UsageError(error.message, name) : error;
  }

  const url = values.url ?? env.AUTOPILOT_URL;
  const workspace = values.workspace ?? env.AUTOPILOT_WORKSPACE;
  const apiKey = values.key ?? env.AUTOPILOT_KEY;
  if (!url) throw new UsageError("no server: pass --url or set AUTOPILOT_URL");
  if (!/^https?:\/\//i.test(url)) throw new UsageError(`--url must start with http:// or https://, got "${url}"`);
  if (command.name === "signup") return { kind: "signup", command, url };
  if (!workspace) throw new UsageError("no workspace: pass --workspace or set AUTOPILOT_WORKSPACE");
  if (!apiKey) throw new UsageError("no API key: set AUTOPILOT_KEY (or pass --key)");
  const device = values.device ?? env.AUTOPILOT_DEVICE ?? defaultDevice;
  return { kind: "run", command, connection: { url, workspace, apiKey, device } };
}
