// `autopilot send --wait-reply` against a scripted room: OpenClaw and Autopilot replies.
import { describe, expect, it } from "vitest";
import { setUpCli } from "./cli-harness";
import type { FakeRoom, RoomConnection } from "./fake-room";
import { approval, message, snapshot, thread } from "./fixtures";

let room: FakeRoom;
const { cli } = setUpCli((r) => (room = r));

describe("send --wait-reply", () => {
  const instance = { id: "instance:work", kind: "agent", name: "work" } as const;
  const gatewayThread = thread("t1", {
    gateway: { instanceId: "work", sessionKey: "agent:main:t1" },
    responder: { kind: "openclaw", reply: "every", agents: false },
  });
  const delta = (offset: number, text: string) => ({ threadId: "t1", instanceId: "work", runId: "r1", offset, text });

  function scriptReply(reply: Parameters<typeof message>[3] | null) {
    room.onConnect = () => ({ seq: 0, snapshot: snapshot({ threads: [gatewayThread] }) });
    room.onRequest = (request, connection) => {
      if (request.method !== "chat.send") return;
      connection.respond(request.id, { message: message("m1", "t1", 1, { text: String(request.params?.text) }) });
      if (!reply) return;
      const steps: [string, unknown, number?][] = [
        ["chat.delta", delta(0, "")],
        ["chat.delta", delta(0, "Hel")],
        ["chat.delta", delta(3, "lo")],
        [
          "message.created",
          { message: message("m2", "t1", 2, { author: instance, kind: "tool", text: "$ ls\nREADME.md" }) },
          1,
        ],
        ["message.created", { message: message("m3", "t1", 3, { author: instance, runId: "r1", ...reply }) }, 2],
        ["chat.final", { threadId: "t1", runId: "r1", messageId: null, aborted: false }],
      ];
      for (const [i, [event, payload, seq]] of steps.entries())
        setTimeout(() => connection.event(event, payload, seq), 20 * (i + 1));
    };
  }

  it("streams the reply to stdout and exits 0 on the durable message", async () => {
    scriptReply({ text: "Hello there." });
    const run = await cli(["send", "t1", "hi", "--wait-reply"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("Hello there.\n");
    expect(run.stderr).toMatch(/sent message m1 to thread t1; waiting for the reply/);
    expect(run.stderr).toMatch(/work is replying/);
    expect(run.stderr).toMatch(/tool: \$ ls/);
  });

  it("exits 1 and says why on a gateway error", async () => {
    scriptReply({ kind: "error", text: "No route-compatible authentication source is configured for openai." });
    const run = await cli(["send", "t1", "hi", "--wait-reply"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("Hello\n");
    expect(run.stderr).toMatch(/gateway error: No route-compatible authentication source is configured for openai\./);
  });

  it("exits 1 on a stopped run, printing the partial text", async () => {
    scriptReply({ text: "Hello", aborted: true });
    const run = await cli(["send", "t1", "hi", "--wait-reply"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("Hello\n");
    expect(run.stderr).toMatch(/stopped/);
  });

  it("exits 0 when the run ends without leaving a reply", async () => {
    room.onConnect = () => ({ seq: 0, snapshot: snapshot({ threads: [gatewayThread] }) });
    room.onRequest = (request, connection) => {
      if (request.method === "messages.list")
        connection.respond(request.id, { messages: [message("m1", "t1", 1)], hasMore: false });
      if (request.method !== "chat.send") return;
      connection.respond(request.id, { message: message("m1", "t1", 1) });
      setTimeout(() => connection.event("chat.delta", delta(0, "")), 20);
      setTimeout(
        () => connection.event("chat.final", { threadId: "t1", runId: "r1", messageId: null, aborted: false }),
        40,
      );
    };
    const run = await cli(["send", "t1", "hi", "--wait-reply"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/ended without a reply/);
  });

  it("gives up after --timeout-ms, and refuses a thread nobody answers (exit 3, before sending)", async () => {
    scriptReply(null);
    const timedOut = await cli(["send", "t1", "hi", "--wait-reply", "--timeout-ms", "300"]);
    expect(timedOut.code).toBe(3);
    expect(timedOut.stderr).toMatch(/no reply in thread t1/);
    room.onConnect = () => ({
      seq: 0,
      snapshot: snapshot({ threads: [thread("t2", { responder: { kind: "none", reply: "every", agents: false } })] }),
    });
    const plain = await cli(["send", "t2", "hi", "--wait-reply"]);
    expect(plain.code).toBe(3);
    expect(plain.stderr.trim()).toBe(
      'autopilot: nobody answers thread t2 (its responder is none), so no reply would come; set one with "autopilot thread configure t2 --responder autopilot" (or attach an OpenClaw instance) (conflict)',
    );
    expect(room.latest.requests).toHaveLength(0);
  });

  it("refuses a post the Autopilot would not answer: an agent's where agents are ignored, one without @autopilot in mention mode (exit 3, before sending)", async () => {
    const threads = [
      thread("t3", { responder: { kind: "autopilot", reply: "every", agents: false } }),
      thread("t4", { responder: { kind: "autopilot", reply: "mention", agents: true } }),
    ];
    room.onConnect = () => ({ seq: 0, snapshot: snapshot({ threads }) });
    const ignored = await cli(["send", "t3", "hi", "--wait-reply"]);
    expect(ignored.code).toBe(3);
    expect(ignored.stderr.trim()).toBe(
      'autopilot: the Autopilot ignores agents\' messages in thread t3, so no reply would come; let it answer them with "autopilot thread configure t3 --agents answer" (conflict)',
    );
    const unaddressed = await cli(["send", "t4", "hi", "--wait-reply"]);
    expect(unaddressed.code).toBe(3);
    expect(unaddressed.stderr.trim()).toBe(
      'autopilot: the Autopilot answers thread t4 only when a message names @autopilot, so no reply would come; write @autopilot in the message, or set "autopilot thread configure t4 --reply every" (conflict)',
    );
    expect(room.latest.requests).toHaveLength(0);
  });

  describe("on an Autopilot thread", () => {
    const autopilot = { id: "autopilot", kind: "agent", name: "Autopilot" } as const;
    // The CLI is an agent key: the thread lets agents' messages trigger the Autopilot.
    const autopilotThread = thread("t1", { responder: { kind: "autopilot", reply: "every", agents: true } });
    const stream = (offset: number, text: string) => ({
      threadId: "t1",
      instanceId: null,
      runId: "run1.0",
      offset,
      text,
    });

    /** The room's order for one Autopilot turn: deltas, a tool message, more text, then the durable message and chat.final (or chat.error). */
    function scriptAutopilot(outcome: "reply" | "error") {
      room.onConnect = () => ({ seq: 0, snapshot: snapshot({ threads: [autopilotThread] }) });
      room.onRequest = (request, connection) => {
        if (request.method === "approvals.list") connection.respond(request.id, { approvals: [], next: null });
        if (request.method !== "chat.send") return;
        connection.respond(request.id, { message: message("m1", "t1", 1, { text: String(request.params?.text) }) });
        const end: [string, unknown, number?][] =
          outcome === "reply"
            ? [
                [
                  "message.created",
                  {
                    message: message("m3", "t1", 3, {
                      author: autopilot,
                      runId: "run1.0",
                      text: "Renamed it to Deploy plan.",
                    }),
                  },
                  2,
                ],
                ["chat.final", { threadId: "t1", runId: "run1.0", messageId: "m3", aborted: false }],
              ]
            : [
                [
                  "message.created",
                  {
                    message: message("m3", "t1", 3, {
                      author: autopilot,
                      runId: "run1.0",
                      kind: "error",
                      text: "the model endpoint answered HTTP 500",
                    }),
                  },
                  2,
                ],
                [
                  "chat.error",
                  { threadId: "t1", runId: "run1.0", error: "the model endpoint answered HTTP 500", messageId: "m3" },
                ],
              ];
        const steps: [string, unknown, number?][] = [
          ["chat.delta", stream(0, "")],
          ["chat.delta", stream(0, "Renamed")],
          [
            "message.created",
            { message: message("m2", "t1", 2, { author: autopilot, kind: "tool", text: "threads_rename → ok" }) },
            1,
          ],
          ["chat.delta", stream(7, " it")],
          ...end,
        ];
        for (const [i, [event, payload, seq]] of steps.entries())
          setTimeout(() => connection.event(event, payload, seq), 20 * (i + 1));
      };
    }

    it("streams the reply, tool calls on stderr, and exits 0 on the durable message", async () => {
      scriptAutopilot("reply");
      const run = await cli(["send", "t1", "rename this thread", "--wait-reply"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe("Renamed it to Deploy plan.\n");
      expect(run.stderr).toMatch(/the Autopilot is replying/);
      expect(run.stderr).toMatch(/tool: threads_rename → ok/);
    });

    // "spread out": the decision comes a while after the CLI's check of the pause. "in one read": the
    // check's answer, the decision and the whole next segment reach the CLI in one write, so it
    // handles them all before the answer's callback runs, as a slow CLI or a busy link can.
    it.each([
      ["with text before the pause", "spread out", "I will archive it."],
      ["with no text before the pause", "spread out", ""],
      ["with text before the pause", "in one read", "I will archive it."],
      ["with no text before the pause", "in one read", ""],
    ] as const)(
      "follows a run that pauses on a gated tool through the decision to the reply (%s, the decision %s)",
      async (_, delivery, before) => {
        const gated = approval("a1", {
          title: "Autopilot wants to run threads_archive",
          threadId: "t1",
          action: { kind: "tool", runId: "run1", toolCallId: "c1", tool: "threads_archive", arguments: "{}" },
        });
        const waiting = {
          runId: "run1",
          approvals: [{ id: "a1", title: gated.title }],
          afterN: 1,
          queuedThroughN: null,
        };
        const segment = (n: number, offset: number, text: string) => ({
          threadId: "t1",
          instanceId: null,
          runId: `run1.${n}`,
          offset,
          text,
        });
        type Step = [event: string, payload: unknown, durable?: true];
        /** What the room sends in one turn: nothing it answers comes between these. */
        type Turn = Step[];
        // Until the segment ends and the run pauses; the rest waits for the CLI's check of the pause.
        const paused: Turn[] = [
          [["chat.delta", segment(0, 0, "")]],
          ...(before ? [[["chat.delta", segment(0, 0, before)] as Step]] : []),
          // The room ends the segment and pauses the run in one turn: the segment's message and
          // chat.final, then the approval and the thread's `waiting`.
          [
            ...(before
              ? [
                  [
                    "message.created",
                    { message: message("m2", "t1", 2, { author: autopilot, runId: "run1.0", text: before }) },
                    true,
                  ] as Step,
                ]
              : []),
            ["chat.final", { threadId: "t1", runId: "run1.0", messageId: before ? "m2" : null, aborted: false }],
            ["approval.requested", { approval: gated }, true],
            ["thread.updated", { thread: { ...autopilotThread, waiting } }, true],
          ],
        ];
        const decided: Turn[] = [
          [
            ["approval.resolved", { approval: { ...gated, status: "approved", resolvedAt: 9 } }, true],
            ["thread.updated", { thread: autopilotThread }, true],
          ],
          [["chat.delta", segment(1, 0, "")]],
          [
            [
              "message.created",
              { message: message("m3", "t1", 3, { author: autopilot, kind: "tool", text: "threads_archive → ok" }) },
              true,
            ],
          ],
          [["chat.delta", segment(1, 0, "Archived.")]],
          [
            [
              "message.created",
              { message: message("m4", "t1", 4, { author: autopilot, runId: "run1.1", text: "Archived." }) },
              true,
            ],
            ["chat.final", { threadId: "t1", runId: "run1.1", messageId: "m4", aborted: false }],
          ],
        ];
        let seq = 0;
        let approved = false;
        let approvalChecks = 0;
        // Durable events get the next seq (a gap would make the client resync).
        const emit = (connection: RoomConnection, turn: Turn) => {
          for (const [event, payload, durable] of turn) connection.event(event, payload, durable ? ++seq : undefined);
        };
        const play = (connection: RoomConnection, turns: Turn[]) => {
          for (const [i, turn] of turns.entries()) setTimeout(() => emit(connection, turn), 20 * (i + 1));
        };
        room.onConnect = () => ({ seq: 0, snapshot: snapshot({ threads: [autopilotThread] }) });
        room.onRequest = (request, connection) => {
          const answer = () => {
            if (request.method === "approvals.list")
              connection.respond(request.id, { approvals: approved ? [] : [gated], next: null });
            if (request.method === "messages.list")
              connection.respond(request.id, { messages: [message("m1", "t1", 1)], hasMore: false });
          };
          if (request.method === "approvals.list") approvalChecks++;
          // The first check of the pause: a person decides, and the run goes on.
          if ((request.method === "approvals.list" || request.method === "messages.list") && !approved) {
            if (delivery === "spread out") {
              answer();
              play(connection, decided);
            } else {
              connection.together(() => {
                answer();
                for (const turn of decided) emit(connection, turn);
              });
            }
            approved = true;
          } else {
            answer();
          }
          if (request.method !== "chat.send") return;
          connection.respond(request.id, { message: message("m1", "t1", 1, { text: String(request.params?.text) }) });
          play(connection, paused);
        };
        const run = await cli(["send", "t1", "archive this thread", "--wait-reply", "--timeout-ms", "10000"]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout, run.stderr).toBe(before ? `${before}\nArchived.\n` : "Archived.\n");
        expect(run.stderr).toMatch(/waits for a decision on approval a1 \("Autopilot wants to run threads_archive"\)/);
        expect(run.stderr).toMatch(/the Autopilot goes on/);
        expect(run.stderr).toMatch(/tool: threads_archive → ok/);
        expect(run.stderr).not.toMatch(/ended without a reply/);
        // With text, each segment's message is checked for a pause; without, the pause is seen in the state.
        expect(approvalChecks).toBe(before ? 2 : 1);
      },
    );

    it("exits 1 on the Autopilot's error message", async () => {
      scriptAutopilot("error");
      const run = await cli(["send", "t1", "hi", "--wait-reply"]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("Renamed it\n");
      expect(run.stderr).toMatch(/Autopilot error: the model endpoint answered HTTP 500/);
    });
  });
});
