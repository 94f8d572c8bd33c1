import type { Approval, ApprovalReach } from "../../../shared/protocol/approvals";
import { waitingWords } from "../../../shared/approval-reach-words";
import type { MethodName } from "../../../shared/protocol/methods";
import type { AutopilotClient } from "../client";
import { AutopilotError } from "../errors";
import type { Command } from "./command-table";
import type { SocketCommand } from "./args";
import { type CliIO, EXIT } from "./io";
import { isBillingCommand, runBillingCommand } from "./billing-commands";
import { isCommunityCommand, runCommunityCommand } from "./community-commands";
import { isProjectCommand, runProjectCommand } from "./project-commands";
import { isScheduleCommand, runScheduleCommand } from "./schedule-commands";
import { isTaskCommand, runTaskCommand } from "./task-commands";
import { sendAndWaitForReply } from "./wait-reply";

/** One-shot commands give up when no hello arrived by then, instead of retrying forever. */
export const CONNECT_TIMEOUT_MS = 15_000;

export function describeError(error: unknown): string {
  if (!(error instanceof AutopilotError)) return error instanceof Error ? error.message : String(error);
  if (error.code === "unauthenticated" && !error.message.startsWith("authentication failed")) {
    return `authentication failed: ${error.message}`;
  }
  if (["unauthenticated", "timeout", "protocol_unsupported"].includes(error.code)) return error.message;
  return `${error.message} (${error.code})`;
}

/** Prints a method's result as it came from the room, so `jq` paths match the protocol docs. */
const print = (io: CliIO, value: unknown): number => {
  io.out(JSON.stringify(value));
  return EXIT.ok;
};

/**
 * Runs one command to completion and returns the exit code. Failures are thrown (as
 * AutopilotError) for the caller to report; closing the client ends any command.
 */
/**
 * Commands whose options are exactly the method's params: the command object minus its
 * name goes to the room as is.
 */
const PASS_THROUGH = {
  messages: "messages.list",
  search: "search.query",
  approvals: "approvals.list",
  jobs: "jobs.list",
  "job start": "jobs.start",
  "job progress": "jobs.update",
  "job finish": "jobs.finish",
  "job fail": "jobs.fail",
  "job cancel": "jobs.cancel",
  audit: "audit.list",
  "chat abort": "chat.abort",
  "chat go-ahead": "chat.goAhead",
  sessions: "sessions.list",
  "session open": "sessions.open",
  "thread configure": "threads.configure",
  memory: "memory.list",
  "memory delete": "memory.delete",
  usage: "usage.list",
  tools: "agent.toolset",
  "instance tools": "instances.tools",
  "instance invoke": "instances.invokeTool",
} as const satisfies Partial<Record<Command["name"], MethodName>>;

const isPassThrough = (name: Command["name"]): name is keyof typeof PASS_THROUGH => Object.hasOwn(PASS_THROUGH, name);

export async function runCommand(client: AutopilotClient, command: SocketCommand, io: CliIO): Promise<number> {
  if (command.name === "watch") return watch(client, io);
  await client.ready({ timeoutMs: CONNECT_TIMEOUT_MS });
  if (isPassThrough(command.name)) {
    const { name, ...params } = command;
    // The parser built `params` for exactly this method; the room validates them again.
    return print(io, await client.request(PASS_THROUGH[name as keyof typeof PASS_THROUGH], params as never));
  }
  if (isProjectCommand(command)) return runProjectCommand(client, command, io);
  if (isScheduleCommand(command)) return runScheduleCommand(client, command, io);
  if (isTaskCommand(command)) return runTaskCommand(client, command, io);
  if (isBillingCommand(command)) return runBillingCommand(client, command, io);
  if (isCommunityCommand(command)) return runCommunityCommand(client, command, io);
  switch (command.name) {
    case "threads":
      return print(io, await client.threads.list({ includeArchived: command.includeArchived }));
    case "thread new": {
      const { name: _name, ...params } = command;
      return print(io, await client.threads.create(params));
    }
    case "thread rename":
      return print(io, await client.threads.rename({ threadId: command.threadId, title: command.title }));
    case "thread archive":
      return print(io, await client.threads.archive({ threadId: command.threadId, archived: command.archived }));
    case "send": {
      const text = command.text === "-" ? (await io.readStdin()).replace(/\n$/, "") : command.text;
      if (command.waitReply)
        return sendAndWaitForReply(client, command.threadId, text, command.waitReply.timeoutMs, io);
      return print(io, await client.chat.send({ threadId: command.threadId, text }));
    }
    case "memory put": {
      const value = command.value === "-" ? (await io.readStdin()).replace(/\n$/, "") : command.value;
      return print(io, await client.memory.put({ key: command.key, value }));
    }
    case "approve":
    case "deny": {
      const decision = command.name === "approve" ? "approve" : "deny";
      const note = command.note === undefined ? {} : { note: command.note };
      return print(
        io,
        await client.approvals.resolve({
          approvalId: command.approvalId,
          decision,
          ...note,
          ...(command.name === "approve" && command.confirmOwn ? { confirmOwn: true } : {}),
          ...(command.name === "approve" && command.amount !== undefined ? { amount: command.amount } : {}),
        }),
      );
    }
    case "request-approval":
      return requestApproval(client, command, io);
    case "instances":
      return print(io, await client.request("instances.list", {}));
    case "instance details":
      return print(io, await client.request("instances.details", { instanceId: command.instanceId }));
    case "instance attach": {
      const method = command.attach ? "instances.attach" : "instances.detach";
      return print(io, await client.request(method, { instanceId: command.instanceId, threadId: command.threadId }));
    }
    case "instance op":
      return instanceOperation(client, command, io);
    case "instance link":
      return linkGateway(client, command, io);
    case "instance guide":
      io.write(`${(await client.request("instances.guide", command.path ? { path: command.path } : {})).text}\n`);
      return EXIT.ok;
  }
}

function watch(client: AutopilotClient, io: CliIO): Promise<number> {
  return new Promise((resolve) => {
    client.on("event", (frame) => io.out(JSON.stringify(frame)));
    client.on("status", (status, detail) => {
      if (status === "connected") {
        io.err(
          `connected to workspace ${client.workspace} as ${client.principal?.name ?? "?"} (seq ${client.lastSeq ?? "?"})`,
        );
      } else if (status === "closed") {
        if (!detail.error) return resolve(EXIT.ok);
        io.err(describeError(detail.error));
        resolve(EXIT.failure);
      } else if (detail.retryInMs !== undefined) {
        const why = detail.error ? `${describeError(detail.error)}; ` : "";
        io.err(`${why}connecting again in ${(detail.retryInMs / 1000).toFixed(1)} s`);
      }
    });
  });
}

/**
 * Asks for an approval (`ask`) and prints it; with `wait`, resolves with the decision too
 * (else with null).
 */
async function askForApproval(
  client: AutopilotClient,
  ask: () => Promise<{ approval: Approval }>,
  wait: boolean,
  io: CliIO,
): Promise<Approval | null> {
  // Listen before asking: the decision can arrive in the same burst as the response.
  const decided = new Map<string, Approval>();
  const stopListening = client.on("approval.resolved", ({ approval }) => decided.set(approval.id, approval));
  let requested: Approval;
  try {
    requested = (await ask()).approval;
  } finally {
    if (!wait) stopListening();
  }
  // Printed at once even with --wait, so a supervising script learns the id right away.
  print(io, { approval: requested });
  return wait ? awaitDecision(client, requested, decided, stopListening, io) : null;
}

async function requestApproval(
  client: AutopilotClient,
  command: Command & { name: "request-approval" },
  io: CliIO,
): Promise<number> {
  const { name: _, wait, ...params } = command;
  const approval = await askForApproval(client, () => client.approvals.request(params), wait, io);
  if (!approval) return EXIT.ok;
  print(io, { approval });
  return approval.status === "approved" ? EXIT.ok : EXIT.rejected;
}

/**
 * Resolves with the approval once decided (or expired). Survives reconnects: events cover
 * the live case, a check after every hello the decisions made while we were away.
 */
function awaitDecision(
  client: AutopilotClient,
  requested: Approval,
  decided: Map<string, Approval>,
  stopListening: () => void,
  io: CliIO,
): Promise<Approval> {
  io.err(`waiting for a decision on approval ${requested.id} ("${requested.title}")`);
  return new Promise<Approval>((resolve, reject) => {
    const cleanups: (() => void)[] = [stopListening];
    let finished = false;
    const done = (outcome: () => void) => {
      if (finished) return;
      finished = true;
      for (const cleanup of cleanups) cleanup();
      outcome();
    };
    const settleWith = (approval: Approval) => {
      if (approval.id !== requested.id || approval.status === "pending") return;
      done(() => resolve(approval));
    };
    // Events cover the live case; the explicit check covers decisions made while we were
    // disconnected (a resume replays them too, but a reset snapshot does not).
    const check = () => {
      client.approvals.get({ approvalId: requested.id }).then(
        ({ approval }) => settleWith(approval),
        (error: unknown) => {
          // Transient failures are fine: the next hello or event tries again.
          if (error instanceof AutopilotError && (error.retryable || error.code === "timeout")) return;
          done(() => reject(error));
        },
      );
    };
    cleanups.push(client.on("approval.resolved", ({ approval }) => settleWith(approval)));
    // Whom it reached and whom it waits for, as the room's reminders go on (stderr: stdout is the result).
    let said = "";
    const sayReach = (reach: ApprovalReach | undefined) => {
      const line = reach ? [reach.sentTo, waitingWords(reach, Date.now())].filter(Boolean).join("; ") : "";
      if (!line || line === said) return;
      said = line;
      io.err(line);
    };
    cleanups.push(
      client.on("approval.updated", ({ approval }) => {
        if (approval.id === requested.id && approval.status === "pending") sayReach(approval.reach);
      }),
    );
    cleanups.push(client.on("hello", () => check()));
    cleanups.push(
      client.on("status", (status, detail) => {
        if (status === "closed") done(() => reject(detail.error ?? new AutopilotError("closed", "interrupted")));
      }),
    );
    if (requested.expiresAt !== null) {
      // The room announces expiry itself; this only guards against never hearing it.
      const timer = setTimeout(check, Math.max(0, requested.expiresAt - Date.now()) + 5_000);
      cleanups.push(() => clearTimeout(timer));
    }
    const early = decided.get(requested.id);
    if (early) settleWith(early);
    else check();
  });
}

/**
 * Links a gateway its owner runs: the token comes on stdin (a shell's `echo` is not in the
 * process list, an argument would be), goes to the room once and is never printed.
 */
async function linkGateway(
  client: AutopilotClient,
  command: Command & { name: "instance link" },
  io: CliIO,
): Promise<number> {
  const token = (await io.readStdin()).trim();
  if (!token) {
    io.err('give the gateway\'s token on stdin, e.g. echo "$OPENCLAW_GATEWAY_TOKEN" | autopilot instance link …');
    return EXIT.usage;
  }
  const params = {
    instanceId: command.instanceId,
    name: command.displayName ?? command.instanceId,
    url: command.url,
    token,
  };
  const approval = await askForApproval(client, () => client.instances.link(params), command.wait, io);
  if (!approval) return EXIT.ok;
  print(io, { approval });
  return approval.status === "approved" ? EXIT.ok : EXIT.rejected;
}

/**
 * Instance operations wait for a person. With --wait-done the CLI follows through: the
 * decision, then the operation's job (the room runs it once approved), printing the
 * instance's phases to stderr as the gateway comes up.
 */
async function instanceOperation(
  client: AutopilotClient,
  command: Command & { name: "instance op" },
  io: CliIO,
): Promise<number> {
  const method = `instances.${command.operation}` as const;
  const params =
    command.operation === "provision"
      ? { instanceId: command.instanceId, ...(command.displayName ? { name: command.displayName } : {}) }
      : command.operation === "restore"
        ? { instanceId: command.instanceId, backupId: command.target }
        : command.operation === "unpair"
          ? { instanceId: command.instanceId, deviceId: command.target }
          : { instanceId: command.instanceId };
  const approval = await askForApproval(client, () => client.request(method, params as never), command.wait, io);
  if (!approval) return EXIT.ok;
  if (approval.status !== "approved") {
    print(io, { approval });
    return EXIT.rejected;
  }
  io.err(`approved by ${approval.resolvedBy?.name ?? "?"}; ${command.operation} of ${command.instanceId} is running`);
  return new Promise<number>((resolve) => {
    let jobId: string | null = null;
    let lastPhase = "";
    const finish = (code: number) => {
      stopInstance();
      stopJob();
      stopStatus();
      resolve(code);
    };
    const settle = () => {
      if (!jobId) return;
      const job = client.state.jobs.get(jobId);
      if (!job || job.status === "running" || job.status === "cancel_requested") return;
      print(io, { instance: client.state.instances.get(command.instanceId) ?? null, job });
      if (job.status !== "succeeded") io.err(`${command.operation} failed: ${job.error ?? job.status}`);
      finish(job.status === "succeeded" ? EXIT.ok : EXIT.failure);
    };
    const stopInstance = client.on("instance.updated", ({ instance }) => {
      if (instance.id !== command.instanceId) return;
      // The first update after the decision names the job that reports this operation.
      if (!jobId && instance.jobId && instance.updatedAt >= (approval.resolvedAt ?? 0)) jobId = instance.jobId;
      if (instance.phase !== lastPhase) {
        lastPhase = instance.phase;
        io.err(`${instance.id}: ${instance.status} — ${instance.phase} (${Math.round(instance.progress)}%)`);
      }
      settle();
    });
    const stopJob = client.on("job.finished", settle);
    const stopStatus = client.on("status", (status, detail) => {
      if (status === "closed") {
        io.err(describeError(detail.error ?? new AutopilotError("closed", "interrupted")));
        finish(EXIT.failure);
      }
    });
    const current = client.state.instances.get(command.instanceId);
    if (current?.jobId && current.updatedAt >= (approval.resolvedAt ?? 0)) {
      jobId = current.jobId;
      settle();
    }
  });
}
