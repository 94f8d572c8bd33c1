// `autopilot send --wait-reply`: the reply to a message, streamed to stdout as it comes.
import type { Responder } from "../../../shared/protocol/agent";
import type { Approval } from "../../../shared/protocol/approvals";
import type { PrincipalKind } from "../../../shared/protocol/principal";
import { autopilotAnswers } from "../../../shared/responder";
import type { Message } from "../../../shared/protocol/threads";
import type { AutopilotClient } from "../client";
import { AutopilotError } from "../errors";
import type { StreamChange, WorkspaceState } from "../state";
import { type CliIO, EXIT } from "./io";
import { AUTOPILOT_ID } from "../../../shared/people";

/**
 * An Autopilot run streams one segment per stretch between gated tool calls, each as its
 * own chat run `<run>.<segment>`; between them the run waits for a person's decision.
 */
const runOfSegment = (chatRunId: string): string => chatRunId.replace(/\.\d+$/, "");
const isSegmentOf = (chatRunId: string | null | undefined, run: string): boolean =>
  chatRunId?.startsWith(`${run}.`) === true && /^\d+$/.test(chatRunId.slice(run.length + 1));
const pendingFor = (approvals: Iterable<Approval>, run: string): Approval[] =>
  [...approvals].filter((a) => a.status === "pending" && a.action?.kind === "tool" && a.action.runId === run);

/** The decisions a paused run waits for, as the room names them. */
type AwaitedDecisions = { id: string; title: string }[];

/**
 * What the room's state says `run` waits for: its thread's `waiting` names it (the room keeps
 * that in step with the run), or a gated call of the run has a pending approval. Null: it waits
 * for nothing.
 */
function waitsFor(state: WorkspaceState, threadId: string, run: string): AwaitedDecisions | null {
  const waiting = state.threads.get(threadId)?.waiting;
  if (waiting?.runId === run) return waiting.approvals;
  const pending = pendingFor(state.approvals.values(), run);
  return pending.length > 0 ? pending.map(({ id, title }) => ({ id, title })) : null;
}

const decisionsLine = (approvals: AwaitedDecisions): string =>
  approvals.length === 0
    ? "a decision"
    : `a decision on approval${approvals.length > 1 ? "s" : ""} ${approvals.map(({ id, title }) => `${id} ("${title}")`).join(", ")}`;

const firstLine = (text: string): string => {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
};

/** Throws a conflict naming the command that would change it when nobody will answer this post. */
function refuseUnanswered(responder: Responder, threadId: string, post: { from: PrincipalKind; text: string }): void {
  const noReply = (why: string, fix: string) =>
    new AutopilotError("conflict", `${why}, so no reply would come; ${fix}`);
  if (responder.kind === "none") {
    throw noReply(
      `nobody answers thread ${threadId} (its responder is none)`,
      `set one with "autopilot thread configure ${threadId} --responder autopilot" (or attach an OpenClaw instance)`,
    );
  }
  if (responder.kind !== "autopilot" || autopilotAnswers(responder, post)) return;
  if (post.from === "agent" && !responder.agents) {
    throw noReply(
      `the Autopilot ignores agents' messages in thread ${threadId}`,
      `let it answer them with "autopilot thread configure ${threadId} --agents answer"`,
    );
  }
  throw noReply(
    `the Autopilot answers thread ${threadId} only when a message names @autopilot`,
    `write @autopilot in the message, or set "autopilot thread configure ${threadId} --reply every"`,
  );
}

/** The Autopilot's own principal: its replies, tool messages and errors carry this author id. */

/**
 * `send --wait-reply`: posts to a thread someone answers (the Autopilot or an OpenClaw
 * instance), then prints the reply on stdout as it streams (plain text), finishing with
 * the durable reply's text. The reply is the first later message in the thread that
 * carries the run's id (the sent message's id, or the run streaming in the thread since),
 * is an error, or comes from an instance (`instance:<id>`); tool messages before it are
 * progress, on stderr. An Autopilot run that pauses on a gated tool is followed through
 * the decision: its next segment's text continues the reply. Exit 0 on a reply, 1 on an
 * error message or a stopped run.
 * A post nobody would answer is refused before sending (a conflict: exit 3), since no reply
 * would ever come: a thread with no responder, or one the Autopilot answers but not this
 * post (an agent's, where agents' messages are ignored; one without @autopilot, where it
 * answers only those).
 */
export async function sendAndWaitForReply(
  client: AutopilotClient,
  threadId: string,
  text: string,
  timeoutMs: number,
  io: CliIO,
): Promise<number> {
  const thread = client.state.threads.get(threadId);
  if (thread) refuseUnanswered(thread.responder, threadId, { from: client.principal?.kind ?? "agent", text });
  // Runs already streaming in the thread are someone else's.
  const earlier = new Set(
    [...client.state.streams.values()].filter((s) => s.threadId === threadId).map((s) => s.runId),
  );
  // Listen before sending: the run's first deltas can beat the response.
  interface Handle {
    message(message: Message): void;
    stream(change: StreamChange): void;
    ended(ended: { threadId: string; runId: string }): void;
    state(state: WorkspaceState): void;
  }
  let handle: Handle | null = null;
  const buffered: ((handle: Handle) => void)[] = [];
  const deliver = (call: (handle: Handle) => void) => (handle ? call(handle) : buffered.push(call));
  const cleanups: (() => void)[] = [
    client.on("message.created", ({ message }) => deliver((h) => h.message(message))),
    // Emitted before the stream change it causes, so `ended` knows the cause in time.
    client.on("chat.final", (ended) => deliver((h) => h.ended(ended))),
    client.on("chat.error", (ended) => deliver((h) => h.ended(ended))),
    client.on("stream", (change) => deliver((h) => h.stream(change))),
    // Each state as it was when its event arrived (states are immutable).
    client.on("state", (state) => deliver((h) => h.state(state))),
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
    /** The adopted stream is the Autopilot's (its run may pause on an approval and go on). */
    let autopilot = false;
    /** The Autopilot run waiting for a decision: its next segment continues the reply. */
    let continuing: string | null = null;
    /** The last run `chat.final/chat.error` announced in this thread. */
    let endedByRoom: string | null = null;
    /** The followed segment is over: its message came, or the room ended its stream. */
    let segmentOver = false;
    /**
     * What the followed run waits for, once the room's state showed it waiting. Kept from the
     * event that showed it: a decision and the next segment can arrive in the same read from
     * the socket as an answer, so the state when that answer is handled may be past the pause.
     */
    let waitingFor: AwaitedDecisions | null = null;
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
      if (continuing !== null && isSegmentOf(message.runId, continuing)) return true;
      return (
        message.runId === sent.id ||
        (runId !== null && message.runId === runId) ||
        message.kind === "error" ||
        message.author.id.startsWith("instance:")
      );
    };
    /** The run waits for a decision: the next segment's text follows what is printed. */
    const pause = () => {
      if (runId === null) return;
      endLine();
      io.err(`the Autopilot waits for ${decisionsLine(waitingFor ?? [])} before it goes on`);
      continuing = runOfSegment(runId);
      runId = null;
      printed = "";
      diverged = false;
      segmentOver = false;
      waitingFor = null;
    };
    /**
     * The room's state as of one event. The room pauses a run in the same turn that ends its
     * segment (after the segment's message and chat.final), so once the segment is over, the
     * state showing the run waiting is the pause.
     */
    const onState = (state: WorkspaceState) => {
      if (finished || !autopilot || runId === null || waitingFor) return;
      waitingFor = waitsFor(state, threadId, runOfSegment(runId));
      if (waitingFor && segmentOver) pause();
    };
    /**
     * An Autopilot segment ended with text: the reply, unless the run paused on a gated tool.
     * The room pauses the run in the turn that ended the segment, so everything it said about
     * a pause arrives before the answer to a request sent now, and the answer reflects it.
     */
    const afterSegment = () => {
      segmentOver = true;
      if (waitingFor) return pause();
      const segment = runId;
      client.approvals.list({ status: "pending" }).then(
        ({ approvals }) => {
          if (finished || segment === null || runId !== segment) return;
          const pending = pendingFor(approvals, runOfSegment(segment));
          if (pending.length > 0) waitingFor ??= pending.map(({ id, title }) => ({ id, title }));
          if (waitingFor) pause();
          else done(() => resolve(EXIT.ok));
        },
        (error: unknown) => done(() => reject(error)),
      );
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
        io.err(`${message.author.id === AUTOPILOT_ID ? "Autopilot" : "gateway"} error: ${message.text}`);
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
      if (autopilot) {
        printed = `${message.text}\n`;
        return afterSegment();
      }
      done(() => resolve(EXIT.ok));
    };
    const onStream = (change: StreamChange) => {
      const { stream } = change;
      if (finished || stream.threadId !== threadId) return;
      if (runId === null) {
        if (change.kind === "ended") return;
        if (continuing !== null) {
          if (!isSegmentOf(stream.runId, continuing)) return;
          io.err("the Autopilot goes on…");
        } else {
          if (earlier.has(stream.runId) && stream.runId !== sent.id) return;
          io.err(`${stream.instanceId ?? "the Autopilot"} is replying…`);
        }
        runId = stream.runId;
        autopilot = stream.instanceId === null;
        segmentOver = false;
        waitingFor = null;
      }
      if (stream.runId !== runId) return;
      if (change.kind === "ended") {
        // Ended without its message in hand (chat.final/chat.error, or a hello that no longer lists
        // it): the durable reply may be in the log already.
        if (change.message) return;
        if (endedByRoom === runId) segmentOver = true;
        if (waitingFor && segmentOver) return pause();
        check(endedByRoom === runId);
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
     * if the log has no reply either, the run left none — unless the room paused it, which it
     * says before this answer.
     */
    const check = (ended = false) => {
      const segment = runId;
      client.messages.list({ threadId, limit: 50 }).then(
        ({ messages }) => {
          for (const message of messages) onMessage(message);
          if (finished || segment === null || runId !== segment) return;
          // A run waiting for a decision is past its segment, whether or not its end was seen.
          if (waitingFor) return pause();
          if (!ended) return;
          endLine();
          io.err("the run ended without a reply");
          done(() => resolve(EXIT.ok));
        },
        (error: unknown) => {
          if (error instanceof AutopilotError && (error.retryable || error.code === "timeout")) return;
          done(() => reject(error));
        },
      );
    };

    handle = {
      message: onMessage,
      stream: onStream,
      ended: (ended) => {
        if (ended.threadId === threadId) endedByRoom = ended.runId;
      },
      state: onState,
    };
    const timer = setTimeout(() => {
      endLine();
      done(() =>
        reject(
          new AutopilotError("timeout", `no reply in thread ${threadId} within ${Math.round(timeoutMs / 1000)} s`),
        ),
      );
    }, timeoutMs);
    cleanups.push(() => clearTimeout(timer));
    cleanups.push(client.on("hello", () => check()));
    cleanups.push(
      client.on("status", (status, detail) => {
        if (status === "closed") done(() => reject(detail.error ?? new AutopilotError("closed", "interrupted")));
      }),
    );
    // Whatever arrived before the response (the run's first deltas, even the reply), in order.
    for (const replay of buffered.splice(0)) replay(handle);
  });
}
