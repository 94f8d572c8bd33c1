import type { Approval } from "../../../shared/protocol/approvals";
import type { MethodName } from "../../../shared/protocol/methods";
import type { Message } from "../../../shared/protocol/threads";
import type { AutopilotClient } from "../client";
import { AutopilotError } from "../errors";
import type { StreamChange } from "../state";
import type { Command } from "./command-table";

export interface CliIO {
  /** One line for stdout (a JSON document: output is JSON Lines throughout). */
  out: (text: string) => void;
  /** Raw text for stdout, no newline added (a reply as it streams). */
  write: (text: string) => void;
  /** One human-readable line for stderr. */
  err: (text: string) => void;
  readStdin: () => Promise<string>;
}

export const EXIT = { ok: 0, rejected: 1, usage: 2, failure: 3, interrupted: 130 } as const;

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
  approvals: "approvals.list",
  jobs: "jobs.list",
  "job start": "jobs.start",
  "job progress": "jobs.update",
  "job finish": "jobs.finish",
  "job fail": "jobs.fail",
  "job cancel": "jobs.cancel",
  audit: "audit.list",
  "chat abort": "chat.abort",
  sessions: "sessions.list",
  "session open": "sessions.open",
} as const satisfies Partial<Record<Command["name"], MethodName>>;

const isPassThrough = (name: Command["name"]): name is keyof typeof PASS_THROUGH => Object.hasOwn(PASS_THROUGH, name);

export async function runCommand(client: AutopilotClient, command: Command, io: CliIO): Promise<number> {
  if (command.name === "watch") return watch(client, io);
  await client.ready({ timeoutMs: CONNECT_TIMEOUT_MS });
  if (isPassThrough(command.name)) {
    const { name, ...params } = command;
    // The parser built `params` for exactly this method; the room validates them again.
    return print(io, await client.request(PASS_THROUGH[name as keyof typeof PASS_THROUGH], params as never));
  }
  switch (command.name) {
    case "threads":
      return print(io, await client.threads.list({ includeArchived: command.includeArchived }));
    case "thread new":
      return print(io, await client.threads.create({ title: command.title }));
    case "thread rename":
      return print(io, await client.threads.rename({ threadId: command.threadId, title: command.title }));
    case "thread archive":
      return print(io, await client.threads.archive({ threadId: command.threadId, archived: command.archived }));
    case "send": {
      const text = command.text === "-" ? (await io.readStdin()).replace(/\n$/, "") : command.text;
      if (command.waitReply) return sendAndWaitForReply(client, command.threadId, text, command.waitReply.timeoutMs, io);
      return print(io, await client.chat.send({ threadId: command.threadId, text }));
    }
    case "approve":
    case "deny": {
      const decision = command.name === "approve" ? "approve" : "deny";
      const note = command.note === undefined ? {} : { note: command.note };
      return print(io, await client.approvals.resolve({ approvalId: command.approvalId, decision, ...note }));
    }
    case "request-approval":
      return requestApproval(client, command, io);
    case "instances":
      return print(io, await client.request("instances.list", {}));
    case "instance attach": {
      const method = command.attach ? "instances.attach" : "instances.detach";
      return print(io, await client.request(method, { instanceId: command.instanceId, threadId: command.threadId }));
    }
    case "instance op":
      return instanceOperation(client, command, io);
  }
}

function watch(client: AutopilotClient, io: CliIO): Promise<number> {
  return new Promise((resolve) => {
    client.on("event", (frame) => io.out(JSON.stringify(frame)));
    client.on("status", (status, detail) => {
      if (status === "connected") {
        io.err(`connected to workspace ${client.workspace} as ${client.principal?.name ?? "?"} (seq ${client.lastSeq ?? "?"})`);
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

async function requestApproval(client: AutopilotClient, command: Command & { name: "request-approval" }, io: CliIO): Promise<number> {
  // Listen before asking: the decision can arrive in the same burst as the response.
  const decided = new Map<string, Approval>();
  const stopListening = client.on("approval.resolved", ({ approval }) => decided.set(approval.id, approval));
  const { name: _, wait, ...params } = command;
  let requested: Approval;
  try {
    requested = (await client.approvals.request(params)).approval;
  } finally {
    if (!wait) stopListening();
  }
  // Printed at once even with --wait, so a supervising script learns the id right away.
  print(io, { approval: requested });
  if (!wait) return EXIT.ok;
  const approval = await awaitDecision(client, requested, decided, stopListening, io);
  print(io, { approval });
  return approval.status === "approved" ? EXIT.ok : EXIT.rejected;
}

/**
 * Resolves with the approval once decided (or expired). Survives reconnects: events cover
 * the live case, a check after every hello the decisions made while we were away.
 */
function awaitDecision(client: AutopilotClient, requested: Approval, decided: Map<string, Approval>, stopListening: () => void, io: CliIO): Promise<Approval> {
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
 * Instance operations wait for a person. With --wait-done the CLI follows through: the
 * decision, then the operation's job (the room runs it once approved), printing the
 * instance's phases to stderr as the gateway comes up.
 */
async function instanceOperation(client: AutopilotClient, command: Command & { name: "instance op" }, io: CliIO): Promise<number> {
  const decided = new Map<string, Approval>();
  const stopListening = client.on("approval.resolved", ({ approval }) => decided.set(approval.id, approval));
  const method = `instances.${command.operation}` as const;
  const params = command.operation === "provision" ? { instanceId: command.instanceId, ...(command.displayName ? { name: command.displayName } : {}) } : { instanceId: command.instanceId };
  let requested: Approval;
  try {
    requested = (await client.request(method, params as never)).approval;
  } finally {
    if (!command.wait) stopListening();
  }
  print(io, { approval: requested });
  if (!command.wait) return EXIT.ok;
  const approval = await awaitDecision(client, requested, decided, stopListening, io);
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

const firstLine = (text: string): string => {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
};

/**
 * `send --wait-reply`: posts to a gateway thread, then prints the OpenClaw instance's
 * reply on stdout as it streams (plain text), finishing with the durable reply's text.
 * The reply is the first later message in the thread that carries the run's id (the
 * sent message's id, or the run streaming in the thread since), is an error, or comes
 * from an instance (`instance:<id>`); tool messages before it are progress, on stderr.
 * Exit 0 on a reply, 1 on a gateway error or a stopped run.
 */
async function sendAndWaitForReply(client: AutopilotClient, threadId: string, text: string, timeoutMs: number, io: CliIO): Promise<number> {
  const thread = client.state.threads.get(threadId);
  if (thread && !thread.gateway) {
    throw new AutopilotError("conflict", `thread ${threadId} talks to no OpenClaw instance, so no reply would come; open one with "autopilot session open"`);
  }
  // Runs already streaming in the thread are someone else's.
  const earlier = new Set([...client.state.streams.values()].filter((s) => s.threadId === threadId).map((s) => s.runId));
  // Listen before sending: the run's first deltas can beat the response.
  const buffered: (() => void)[] = [];
  let handle: { message: (message: Message) => void; stream: (change: StreamChange) => void; ended: (runId: string) => void } | null = null;
  const onEnded = (ended: { threadId: string; runId: string }) => {
    if (ended.threadId !== threadId) return;
    if (handle) handle.ended(ended.runId);
    else buffered.push(() => handle?.ended(ended.runId));
  };
  const cleanups: (() => void)[] = [
    client.on("message.created", ({ message }) => (handle ? handle.message(message) : buffered.push(() => handle?.message(message)))),
    // Emitted before the stream change it causes, so `ended` knows the cause in time.
    client.on("chat.final", (ended) => onEnded(ended)),
    client.on("chat.error", (ended) => onEnded(ended)),
    client.on("stream", (change) => (handle ? handle.stream(change) : buffered.push(() => handle?.stream(change)))),
  ];
  let sent: Message;
  try {
    sent = (await client.chat.send({ threadId, text })).message;
  } catch (error) {
    for (const cleanup of cleanups) cleanup();
    throw error;
  }
  io.err(`sent message ${sent.id} to thread ${threadId}; waiting for the reply`);

  return new Promise<number>((resolve, reject) => {
    let finished = false;
    let runId: string | null = null;
    /** The last run `chat.final/chat.error` announced in this thread. */
    let endedByRoom: string | null = null;
    /** What stdout has of the reply so far. */
    let printed = "";
    /** The stream rewrote text already printed: only the final text can be trusted now. */
    let diverged = false;
    const seen = new Set<string>();

    const done = (outcome: () => void) => {
      if (finished) return;
      finished = true;
      for (const cleanup of cleanups) cleanup();
      outcome();
    };
    const endLine = () => {
      if (printed && !printed.endsWith("\n")) io.write("\n");
    };
    const isReply = (message: Message): boolean => {
      if (message.threadId !== threadId || message.n <= sent.n || message.kind === "tool") return false;
      return message.runId === sent.id || (runId !== null && message.runId === runId) || message.kind === "error" || message.author.id.startsWith("instance:");
    };
    const onMessage = (message: Message) => {
      if (finished || message.threadId !== threadId || message.n <= sent.n || seen.has(message.id)) return;
      seen.add(message.id);
      if (message.kind === "tool") {
        io.err(`tool: ${firstLine(message.text)}`);
        return;
      }
      if (!isReply(message)) return;
      if (message.kind === "error") {
        endLine();
        io.err(`gateway error: ${message.text}`);
        return done(() => resolve(EXIT.rejected));
      }
      if (!diverged && message.text.startsWith(printed)) {
        io.write(`${message.text.slice(printed.length)}\n`);
      } else {
        endLine();
        io.err("the reply changed after it streamed; its final text follows");
        io.write(`${message.text}\n`);
      }
      if (message.aborted) {
        io.err("the run was stopped; the reply above is partial");
        return done(() => resolve(EXIT.rejected));
      }
      done(() => resolve(EXIT.ok));
    };
    const onStream = (change: StreamChange) => {
      const { stream } = change;
      if (finished || stream.threadId !== threadId) return;
      if (runId === null) {
        if (earlier.has(stream.runId) && stream.runId !== sent.id) return;
        if (change.kind === "ended") return;
        runId = stream.runId;
        io.err(`${stream.instanceId} is replying…`);
      }
      if (stream.runId !== runId) return;
      if (change.kind === "ended") {
        // Ended without its message in hand (chat.final/chat.error, or a hello that no longer lists
        // it): the durable reply may be in the log already.
        if (!change.message) check(endedByRoom === runId);
        return;
      }
      if (diverged) return;
      if (stream.text.startsWith(printed)) {
        io.write(stream.text.slice(printed.length));
        printed = stream.text;
      } else {
        diverged = true;
      }
    };
    /**
     * Catches up from the log: after a reconnect, a reset snapshot replays no message.
     * `ended`: the room said the run is over (`chat.final/chat.error` follows the run's message), so
     * if the log has no reply either, the run left none.
     */
    const check = (ended = false) => {
      client.messages.list({ threadId, limit: 50 }).then(
        ({ messages }) => {
          for (const message of messages) onMessage(message);
          if (ended && !finished) {
            endLine();
            io.err("the run ended without a reply");
            done(() => resolve(EXIT.ok));
          }
        },
        (error: unknown) => {
          if (error instanceof AutopilotError && (error.retryable || error.code === "timeout")) return;
          done(() => reject(error));
        },
      );
    };

    handle = { message: onMessage, stream: onStream, ended: (ended) => (endedByRoom = ended) };
    const timer = setTimeout(() => {
      endLine();
      done(() => reject(new AutopilotError("timeout", `no reply in thread ${threadId} within ${Math.round(timeoutMs / 1000)} s`)));
    }, timeoutMs);
    cleanups.push(() => clearTimeout(timer));
    cleanups.push(client.on("hello", () => check()));
    cleanups.push(
      client.on("status", (status, detail) => {
        if (status === "closed") done(() => reject(detail.error ?? new AutopilotError("closed", "interrupted")));
      }),
    );
    // Whatever arrived before the response (the run's first deltas, even the reply).
    for (const replay of buffered.splice(0)) replay();
  });
}
