// `autopilot projects list|create|show|update|archive` (shared/protocol/projects.ts): their
// words and options, and how each runs. The table joins command-table.ts's; the runner is
// called from commands.ts.
import { readFile } from "node:fs/promises";
import { MAX_PROJECT_BRIEF, MAX_PROJECT_LINKS, MAX_PROJECTS_PAGE } from "../../../shared/protocol/projects";
import type { AutopilotClient } from "../client";
import { AutopilotError } from "../errors";
import type { CommandSpec } from "./command-table";
import type { CliIO } from "./io";
import { integer, optional } from "./option-values";
import { UsageError } from "./usage-error";
import { valued } from "./option-spec";

export const PROJECT_OPTIONS = {
  "brief-file": valued(
    "<path>",
    `the project's brief, Markdown, from a file ("-" reads stdin; at most ${MAX_PROJECT_BRIEF} characters)`,
  ),
  "links-file": valued(
    "<path>",
    `the project's links, one a line: <http(s) address> [title] ("-" reads stdin; replaces them all; at most ${MAX_PROJECT_LINKS})`,
  ),
  threads: valued("<ids>", "thread ids, comma-separated (a thread leaves any other project)"),
  instances: valued("<ids>", "OpenClaw instance ids, comma-separated"),
  files: valued("<ids>", "file ids, comma-separated (from a message's attachments or an upload)"),
  "add-threads": valued("<ids>", "thread ids to add (they leave any other project)"),
  "remove-threads": valued("<ids>", "thread ids to take out"),
  "add-instances": valued("<ids>", "OpenClaw instance ids to attach"),
  "remove-instances": valued("<ids>", "OpenClaw instance ids to detach"),
  "add-files": valued("<ids>", "file ids to add"),
  "remove-files": valued("<ids>", "file ids to take out"),
  rename: valued("<name>", "the project's new name"),
} as const;

/** Where a brief or the links come from: a file, or stdin for "-". */
type Source = { path: string };

export type ProjectCommand =
  | { name: "projects list"; includeArchived: boolean; limit?: number }
  | { name: "projects show"; projectId: string }
  | { name: "projects archive"; projectId: string; archived: boolean }
  | {
      name: "projects create";
      projectName: string;
      brief?: Source;
      links?: Source;
      threadIds?: string[];
      instanceIds?: string[];
      fileIds?: string[];
    }
  | {
      name: "projects update";
      projectId: string;
      rename?: string;
      brief?: Source;
      links?: Source;
      addThreadIds?: string[];
      removeThreadIds?: string[];
      addInstanceIds?: string[];
      removeInstanceIds?: string[];
      addFileIds?: string[];
      removeFileIds?: string[];
    };

export const isProjectCommand = (command: { name: string }): command is ProjectCommand =>
  command.name.startsWith("projects ");

/** `a,b , c` → ["a", "b", "c"]; an empty list is a usage error (nothing to do). */
function idList(option: string, raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const ids = raw
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new UsageError(`--${option} needs at least one id`);
  return ids;
}

const source = (raw: string | undefined): Source | undefined => (raw === undefined ? undefined : { path: raw });

export const PROJECT_COMMANDS: Record<string, CommandSpec> = {
  "projects list": {
    args: [],
    options: ["archived", "limit"],
    summary: "list projects, most recently changed first",
    build: (_, v) => ({
      name: "projects list",
      includeArchived: v.archived ?? false,
      ...optional("limit", integer("limit", v.limit, 1, MAX_PROJECTS_PAGE)),
    }),
  },
  "projects create": {
    args: ["name..."],
    options: ["brief-file", "links-file", "threads", "instances", "files"],
    summary: "create a project: a brief the Autopilot reads in its threads, links, threads, instances and files",
    build: ([projectName], v) => ({
      name: "projects create",
      projectName: projectName!,
      ...optional("brief", source(v["brief-file"])),
      ...optional("links", source(v["links-file"])),
      ...optional("threadIds", idList("threads", v.threads)),
      ...optional("instanceIds", idList("instances", v.instances)),
      ...optional("fileIds", idList("files", v.files)),
    }),
  },
  "projects show": {
    args: ["projectId"],
    options: [],
    summary: "a project with its brief, links, threads, instances and files",
    build: ([projectId]) => ({ name: "projects show", projectId: projectId! }),
  },
  "projects update": {
    args: ["projectId"],
    options: [
      "rename",
      "brief-file",
      "links-file",
      "add-threads",
      "remove-threads",
      "add-instances",
      "remove-instances",
      "add-files",
      "remove-files",
    ],
    summary: "change a project's name, brief or links, or add and remove its threads, instances and files",
    build: ([projectId], v) => {
      const command = {
        name: "projects update" as const,
        projectId: projectId!,
        ...optional("rename", v.rename),
        ...optional("brief", source(v["brief-file"])),
        ...optional("links", source(v["links-file"])),
        ...optional("addThreadIds", idList("add-threads", v["add-threads"])),
        ...optional("removeThreadIds", idList("remove-threads", v["remove-threads"])),
        ...optional("addInstanceIds", idList("add-instances", v["add-instances"])),
        ...optional("removeInstanceIds", idList("remove-instances", v["remove-instances"])),
        ...optional("addFileIds", idList("add-files", v["add-files"])),
        ...optional("removeFileIds", idList("remove-files", v["remove-files"])),
      };
      if (Object.keys(command).length === 2) throw new UsageError("nothing to change: pass at least one option");
      return command;
    },
  },
  "projects archive": {
    args: ["projectId"],
    options: ["restore"],
    summary: "archive a project (or restore it with --restore); its threads stay as they are",
    build: ([projectId], v) => ({ name: "projects archive", projectId: projectId!, archived: !v.restore }),
  },
};

/** A file's text, or stdin's for "-". */
async function read(from: Source, io: CliIO): Promise<string> {
  if (from.path === "-") return io.readStdin();
  try {
    return await readFile(from.path, "utf8");
  } catch (error) {
    // A file that is not there is the caller's mistake: exit 2 like any bad argument (cli.ts).
    throw new AutopilotError(
      "bad_request",
      `cannot read ${from.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

/** Links from lines `<address> [title]`; blank lines and lines starting with # are skipped. */
export function parseLinks(text: string): { url: string; title: string }[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [url = "", ...title] = line.split(/\s+/);
      return { url, title: title.join(" ") };
    });
}

const print = (io: CliIO, value: unknown): number => {
  io.out(JSON.stringify(value));
  return 0;
};

export async function runProjectCommand(client: AutopilotClient, command: ProjectCommand, io: CliIO): Promise<number> {
  switch (command.name) {
    case "projects list":
      return print(
        io,
        await client.projects.list({
          includeArchived: command.includeArchived,
          ...optional("limit", command.limit),
        }),
      );
    case "projects show":
      return print(io, await client.projects.get({ projectId: command.projectId }));
    case "projects archive":
      return print(io, await client.projects.archive({ projectId: command.projectId, archived: command.archived }));
    case "projects create": {
      const { name: _, projectName, brief, links, ...ids } = command;
      return print(
        io,
        await client.projects.create({
          name: projectName,
          ...optional("brief", brief && (await read(brief, io))),
          ...optional("links", links && parseLinks(await read(links, io))),
          ...ids,
        }),
      );
    }
    case "projects update": {
      const { name: _, rename, brief, links, ...rest } = command;
      return print(
        io,
        await client.projects.update({
          ...rest,
          ...optional("name", rename),
          ...optional("brief", brief && (await read(brief, io))),
          ...optional("links", links && parseLinks(await read(links, io))),
        }),
      );
    }
  }
}
