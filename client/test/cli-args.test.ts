import { describe, expect, it } from "vitest";
import { parseCli } from "../src/cli/args";
import { DEFAULT_REPLY_TIMEOUT_MS, UsageError } from "../src/cli/command-table";
import { CLI_ENV, usageError } from "./cli-parse";

function run(argv: string[], environment: Record<string, string | undefined> = CLI_ENV) {
  const invocation = parseCli(argv, environment, "test-device");
  if (invocation.kind !== "run") throw new Error("expected a command");
  return invocation;
}

describe("parseCli", () => {
  it("takes the connection from the environment, options winning", () => {
    expect(run(["threads"]).connection).toEqual({
      url: "http://localhost:8787",
      workspace: "ws_1",
      apiKey: "key_1",
      device: "test-device",
    });
    expect(
      run(["threads", "--url", "https://x.example", "--workspace", "w2", "--key", "k2", "--device", "ci"]).connection,
    ).toEqual({
      url: "https://x.example",
      workspace: "w2",
      apiKey: "k2",
      device: "ci",
    });
  });

  it("signup needs only a server: its name, and an invitation if given", () => {
    expect(parseCli(["signup", "release", "bot", "--url", "http://h"], {})).toEqual({
      kind: "signup",
      url: "http://h",
      command: { name: "signup", agentName: "release bot" },
    });
    expect(parseCli(["signup", "bot", "--invitation", "ap_inv_x"], { AUTOPILOT_URL: "http://h" })).toMatchObject({
      command: { invitation: "ap_inv_x" },
    });
    expect(usageError(["signup", "bot"], {}).message).toMatch(/AUTOPILOT_URL/);
    expect(usageError(["signup"], { AUTOPILOT_URL: "http://h" }).message).toMatch(/missing <name>/);
  });

  it("requires a server, a workspace and a key", () => {
    expect(usageError(["threads"], {}).message).toMatch(/AUTOPILOT_URL/);
    expect(usageError(["threads"], { AUTOPILOT_URL: "http://h" }).message).toMatch(/AUTOPILOT_WORKSPACE/);
    expect(usageError(["threads"], { AUTOPILOT_URL: "http://h", AUTOPILOT_WORKSPACE: "w" }).message).toMatch(
      /AUTOPILOT_KEY/,
    );
    expect(usageError(["threads", "--url", "ftp://h"]).message).toMatch(/http/);
  });

  it("parses two-word commands and joins trailing words", () => {
    expect(run(["thread", "new", "Deploy", "plan"]).command).toEqual({ name: "thread new", title: "Deploy plan" });
    expect(run(["send", "t1", "hello", "world"]).command).toEqual({
      name: "send",
      threadId: "t1",
      text: "hello world",
    });
    expect(run(["job", "fail", "j1", "disk", "full"]).command).toEqual({
      name: "job fail",
      jobId: "j1",
      error: "disk full",
    });
  });

  it("parses approvals", () => {
    expect(run(["approve", "a1", "--note", "ok"]).command).toEqual({ name: "approve", approvalId: "a1", note: "ok" });
    expect(run(["approve", "a1", "--confirm-own"]).command).toEqual({
      name: "approve",
      approvalId: "a1",
      confirmOwn: true,
    });
    expect(run(["approve", "a1", "--amount", "250"]).command).toEqual({
      name: "approve",
      approvalId: "a1",
      amount: 250,
    });
    expect(usageError(["approve", "a1", "--amount", "2.5"]).message).toMatch(/amount must be a whole number/);
    expect(run(["deny", "a1"]).command).toEqual({ name: "deny", approvalId: "a1" });
    expect(
      run([
        "request-approval",
        "Drop",
        "table",
        "--details",
        "all rows",
        "--risk",
        "high",
        "--thread",
        "t1",
        "--expires-in",
        "90",
        "--wait",
      ]).command,
    ).toEqual({
      name: "request-approval",
      title: "Drop table",
      details: "all rows",
      risk: "high",
      threadId: "t1",
      expiresInMs: 90_000,
      wait: true,
    });
    expect(run(["request-approval", "x"]).command).toEqual({ name: "request-approval", title: "x", wait: false });
    expect(run(["approvals", "--status", "pending", "--limit", "5"]).command).toEqual({
      name: "approvals",
      status: "pending",
      limit: 5,
    });
  });

  it("parses tasks and the run log", () => {
    expect(
      run(["tasks", "start", "Summarise", "the", "week", "--project", "p1", "--max-steps", "30", "--max-minutes", "5"])
        .command,
    ).toEqual({
      name: "tasks start",
      goal: "Summarise the week",
      projectId: "p1",
      budget: { maxSteps: 30, maxRunningMs: 300_000 },
    });
    expect(run(["tasks", "start", "Go"]).command).toEqual({ name: "tasks start", goal: "Go" });
    expect(run(["tasks", "list", "--active"]).command).toEqual({ name: "tasks list", active: true });
    expect(run(["tasks", "cancel", "task_1", "--reason", "obsolete"]).command).toEqual({
      name: "tasks cancel",
      taskId: "task_1",
      reason: "obsolete",
    });
    expect(run(["runlog", "task_1", "--json"]).command).toEqual({ name: "runlog", runId: "task_1", json: true });
    expect(usageError(["tasks", "start", "Go", "--max-steps", "0"]).message).toMatch(/max-steps/);
  });

  it("parses jobs", () => {
    expect(run(["job", "start", "Build", "--thread", "t1"]).command).toEqual({
      name: "job start",
      title: "Build",
      threadId: "t1",
    });
    expect(run(["job", "progress", "j1", "42.5", "--message", "halfway"]).command).toEqual({
      name: "job progress",
      jobId: "j1",
      progress: 42.5,
      message: "halfway",
    });
    expect(run(["job", "finish", "j1"]).command).toEqual({ name: "job finish", jobId: "j1" });
    expect(run(["job", "cancel", "j1", "--reason", "obsolete"]).command).toEqual({
      name: "job cancel",
      jobId: "j1",
      reason: "obsolete",
    });
    expect(run(["jobs", "--active"]).command).toEqual({ name: "jobs", active: true });
  });

  it("parses the gateway commands", () => {
    expect(run(["chat", "abort", "t1"]).command).toEqual({ name: "chat abort", threadId: "t1" });
    expect(run(["chat", "go-ahead", "run_1"]).command).toEqual({ name: "chat go-ahead", runId: "run_1" });
    expect(usageError(["chat", "go-ahead"]).message).toBe("missing <runId>");
    expect(run(["sessions", "work"]).command).toEqual({ name: "sessions", instanceId: "work" });
    expect(run(["session", "open", "work", "agent:main:main"]).command).toEqual({
      name: "session open",
      instanceId: "work",
      sessionKey: "agent:main:main",
    });
    expect(run(["send", "t1", "hi", "--wait-reply"]).command).toEqual({
      name: "send",
      threadId: "t1",
      text: "hi",
      waitReply: { timeoutMs: DEFAULT_REPLY_TIMEOUT_MS },
    });
    expect(run(["send", "t1", "hi", "--wait-reply", "--timeout-ms", "5000"]).command).toEqual({
      name: "send",
      threadId: "t1",
      text: "hi",
      waitReply: { timeoutMs: 5000 },
    });
    expect(usageError(["send", "t1", "hi", "--timeout-ms", "5000"]).message).toBe(
      "--timeout-ms only applies with --wait-reply",
    );
    expect(usageError(["send", "t1", "hi", "--wait-reply", "--timeout-ms", "0"]).message).toMatch(
      /timeout-ms must be a number/,
    );
    expect(usageError(["chat", "send"]).message).toMatch(
      /unknown chat command "send"; one of: chat abort, chat go-ahead/,
    );
    expect(usageError(["session", "open", "work"]).message).toBe("missing <sessionKey>");
    expect(usageError(["sessions"]).message).toBe("missing <instanceId>");
    expect(run(["instance", "details", "work"]).command).toEqual({ name: "instance details", instanceId: "work" });
    expect(run(["instance", "tools", "work"]).command).toEqual({ name: "instance tools", instanceId: "work" });
    expect(run(["instance", "invoke", "work", "web_search", "--args", '{"query":"moon"}']).command).toEqual({
      name: "instance invoke",
      instanceId: "work",
      tool: "web_search",
      args: { query: "moon" },
    });
    expect(run(["instance", "invoke", "work", "agents_list"]).command).toMatchObject({ args: {} });
    expect(usageError(["instance", "invoke", "work", "x", "--args", "{nope"]).message).toBe("--args is not JSON");
    expect(usageError(["instance", "invoke", "work", "x", "--args", "[1]"]).message).toBe("--args is a JSON object");
    // A tool's run is no generic instance operation: it asks only when the tool needs it.
    expect(usageError(["instance", "invokeTool", "work"]).message).toMatch(/unknown instance command/);
    expect(run(["instance", "restore", "work", "2026-01-31T12-00-00-000Z.tar.gz", "--wait-done"]).command).toEqual({
      name: "instance op",
      operation: "restore",
      instanceId: "work",
      target: "2026-01-31T12-00-00-000Z.tar.gz",
      wait: true,
    });
    expect(run(["instance", "unpair", "work", "dev-1"]).command).toEqual({
      name: "instance op",
      operation: "unpair",
      instanceId: "work",
      target: "dev-1",
      wait: false,
    });
    expect(usageError(["instance", "restore", "work"]).message).toBe("missing <backupId>");
    expect(usageError(["threads", "--wait-reply"]).message).toBe('--wait-reply is not an option of "threads"');
    const help = parseCli(["send", "--help"], {});
    expect(help.kind === "help" && help.text).toMatch(
      /autopilot send <threadId> <text\.\.\.> \[--wait-reply\] \[--timeout-ms <ms>\]/,
    );
    const general = parseCli(["--help"], {});
    expect(general.kind === "help" && general.text).toMatch(/chat abort .*\n.*/);
    expect(general.kind === "help" && general.text).toMatch(/session open/);
  });

  it("parses the Autopilot's commands: thread configure, memory, usage", () => {
    expect(run(["thread", "configure", "t1", "--responder", "autopilot", "--reply", "mention"]).command).toEqual({
      name: "thread configure",
      threadId: "t1",
      responder: "autopilot",
      reply: "mention",
    });
    expect(run(["thread", "configure", "t1", "--responder", "none"]).command).toEqual({
      name: "thread configure",
      threadId: "t1",
      responder: "none",
    });
    expect(run(["thread", "configure", "t1", "--agents", "answer"]).command).toEqual({
      name: "thread configure",
      threadId: "t1",
      agents: true,
    });
    expect(run(["thread", "configure", "t1", "--agents", "ignore"]).command).toEqual({
      name: "thread configure",
      threadId: "t1",
      agents: false,
    });
    expect(usageError(["thread", "configure", "t1", "--agents", "yes"]).message).toMatch(
      /agents must be one of answer, ignore/,
    );
    expect(usageError(["thread", "configure", "t1"]).message).toBe("pass --responder, --reply and/or --agents");
    expect(run(["thread", "new", "CI", "run", "42"]).command).toEqual({ name: "thread new", title: "CI run 42" });
    expect(run(["thread", "new", "Release", "--responder", "autopilot", "--agents", "ignore"]).command).toEqual({
      name: "thread new",
      title: "Release",
      responder: "autopilot",
      agents: false,
    });
    expect(usageError(["thread", "configure", "t1", "--responder", "bob"]).message).toMatch(
      /responder must be one of autopilot, openclaw, none/,
    );
    expect(usageError(["thread", "configure", "t1", "--reply", "sometimes"]).message).toMatch(
      /reply must be one of every, mention/,
    );

    expect(run(["memory"]).command).toEqual({ name: "memory" });
    expect(run(["memory", "--prefix", "deploy.", "--limit", "10"]).command).toEqual({
      name: "memory",
      prefix: "deploy.",
      limit: 10,
    });
    expect(run(["memory", "put", "deploy.target", "eu", "west"]).command).toEqual({
      name: "memory put",
      key: "deploy.target",
      value: "eu west",
    });
    expect(run(["memory", "put", "notes", "-"]).command).toEqual({ name: "memory put", key: "notes", value: "-" });
    expect(run(["memory", "delete", "notes"]).command).toEqual({ name: "memory delete", key: "notes" });
    expect(usageError(["memory", "put", "k"]).message).toBe("missing <value>");
    expect(usageError(["memory", "explode"]).message).toMatch(/unexpected argument "explode"/);

    expect(run(["usage"]).command).toEqual({ name: "usage" });
    expect(
      run([
        "usage",
        "--since",
        "2026-01-01T00:00:00Z",
        "--until",
        "1767312000000",
        "--thread",
        "t1",
        "--principal",
        "user_alice",
        "--group-by",
        "day",
        "--limit",
        "5",
      ]).command,
    ).toEqual({
      name: "usage",
      since: Date.UTC(2026, 0, 1),
      until: 1767312000000,
      threadId: "t1",
      principalId: "user_alice",
      groupBy: "day",
      limit: 5,
    });
    expect(usageError(["usage", "--since", "yesterday"]).message).toMatch(
      /since must be an ISO 8601 time or epoch milliseconds/,
    );
    expect(usageError(["usage", "--group-by", "week"]).message).toMatch(
      /group-by must be one of none, thread, principal, day/,
    );
  });

  it("documents the Autopilot's commands in the help", () => {
    const memory = parseCli(["memory", "--help"], {});
    expect(memory.kind === "help" && memory.text).toMatch(/autopilot memory \[--prefix <text>\] \[--limit <n>\]/);
    expect(memory.kind === "help" && memory.text).toMatch(/put .*set a memory entry/);
    const put = parseCli(["memory", "put", "--help"], {});
    expect(put.kind === "help" && put.text).toMatch(/autopilot memory put <key> <value\.\.\.>/);
    const usage = parseCli(["usage", "--help"], {});
    expect(usage.kind === "help" && usage.text).toMatch(/--group-by <key> +none\|thread\|principal\|day/);
    const configure = parseCli(["help", "thread", "configure"], {});
    expect(configure.kind === "help" && configure.text).toMatch(
      /--responder <who> +who answers: autopilot\|openclaw\|none/,
    );
    const general = parseCli(["--help"], {});
    for (const name of ["thread configure", "memory put", "memory delete", "usage"])
      expect(general.kind === "help" && general.text).toContain(name);
    expect(general.kind === "help" && general.text).toMatch(/\n {2}memory +list the workspace memory/);
  });

  it("rejects bad values with a usage error", () => {
    expect(usageError(["job", "progress", "j1", "101"]).message).toMatch(/0 to 100/);
    expect(usageError(["job", "progress", "j1", "abc"]).message).toMatch(/percent/);
    expect(usageError(["request-approval", "x", "--risk", "extreme"]).message).toMatch(/low, medium, high, critical/);
    expect(usageError(["request-approval", "x", "--expires-in", "0"]).message).toMatch(/expires-in/);
    expect(usageError(["messages", "t1", "--limit", "2.5"]).message).toMatch(/whole number/);
  });

  it("rejects missing and extra arguments", () => {
    expect(usageError(["send", "t1"]).message).toBe("missing <text>");
    expect(usageError(["send", "t1"]).command).toBe("send");
    expect(usageError(["approve"]).message).toBe("missing <approvalId>");
    expect(usageError(["approve", "a1", "a2"]).message).toMatch(/unexpected argument "a2"/);
    expect(usageError(["thread", "new", "  "]).message).toBe("missing <title>");
  });

  it("rejects unknown commands and options that belong to other commands", () => {
    expect(usageError(["frobnicate"]).message).toMatch(/unknown command "frobnicate"/);
    expect(usageError(["job", "explode"]).message).toMatch(/job start/);
    expect(usageError(["threads", "--note", "x"]).message).toBe('--note is not an option of "threads"');
    expect(usageError(["threads", "--bogus"]).message).toMatch(/bogus/);
    expect(usageError([]).message).toBe("missing command");
  });

  it("shows help without needing a connection", () => {
    for (const argv of [
      ["--help"],
      ["-h"],
      ["help"],
      ["send", "--help"],
      ["help", "job", "start"],
      ["job", "--help"],
    ]) {
      const invocation = parseCli(argv, {});
      expect(invocation.kind).toBe("help");
    }
    const help = parseCli(["job", "progress", "--help"], {});
    expect(help.kind === "help" && help.text).toMatch(/autopilot job progress <jobId> <percent> \[--message <text>\]/);
    const topic = parseCli(["help", "job", "start"], {});
    expect(topic.kind === "help" && topic.text).toMatch(/autopilot job start <title\.\.\.> \[--thread <threadId>\]/);
    const general = parseCli(["help"], {});
    expect(general.kind === "help" && general.text).toMatch(/Exit codes: 0 ok/);
  });

  it("points a group's mistakes at the group's help", () => {
    const missing = usageError(["job"]);
    expect(missing.message).toBe(
      "missing job command; one of: job start, job progress, job finish, job fail, job cancel",
    );
    expect(missing.command).toBe("job");
    expect(usageError(["instance", "explode"]).command).toBe("instance");
  });

  it("schedules create: one time (--every, --cron or --at) and one action (--prompt with its thread, or --task)", () => {
    expect(
      run(["schedules", "create", "--every", "1h30m", "--prompt", "standup?", "--thread", "thr_1"]).command,
    ).toEqual({
      name: "schedules create",
      when: { kind: "every", everyMs: 5_400_000 },
      action: { kind: "prompt", threadId: "thr_1", text: "standup?" },
    });
    expect(
      run([
        "schedules",
        "create",
        "--cron",
        "0 9 * * 1-5",
        "--tz",
        "Europe/Berlin",
        "--task",
        "sum up",
        "--name",
        "daily",
      ]).command,
    ).toEqual({
      name: "schedules create",
      scheduleName: "daily",
      when: { kind: "cron", expression: "0 9 * * 1-5", timeZone: "Europe/Berlin" },
      action: { kind: "task", goal: "sum up" },
    });
    expect(run(["schedules", "create", "--cron", "0 9 * * *", "--task", "x"]).command).toMatchObject({
      when: { timeZone: "UTC" },
    });
    expect(
      run(["schedules", "create", "--at", "2030-01-02T03:04:05Z", "--task", "x", "--project", "prj_1"]).command,
    ).toMatchObject({ when: { kind: "once", at: Date.parse("2030-01-02T03:04:05Z") }, action: { projectId: "prj_1" } });
    expect(run(["schedules", "create", "--every", "90000", "--start", "0", "--task", "x"]).command).toMatchObject({
      when: { kind: "every", everyMs: 90_000, startAt: 0 },
    });
    expect(usageError(["schedules", "create", "--prompt", "x", "--thread", "t"]).message).toMatch(/exactly one of/);
    expect(usageError(["schedules", "create", "--every", "1h", "--cron", "* * * * *", "--task", "x"]).message).toMatch(
      /exactly one of --every, --cron and --at/,
    );
    expect(usageError(["schedules", "create", "--every", "1h", "--task", "x", "--prompt", "y"]).message).toMatch(
      /exactly one of --prompt and --task/,
    );
    expect(usageError(["schedules", "create", "--every", "1h", "--prompt", "y"]).message).toMatch(/needs --thread/);
    expect(usageError(["schedules", "create", "--every", "an hour", "--task", "x"]).message).toMatch(/--every must/);
    expect(usageError(["schedules", "create", "--every", "1h", "--tz", "UTC", "--task", "x"]).message).toMatch(
      /--tz only applies with --cron/,
    );
    expect(usageError(["schedules", "create", "--at", "tomorrow", "--task", "x"]).message).toMatch(/ISO 8601/);
    expect(run(["schedules", "pause", "sch_1"]).command).toEqual({ name: "schedules pause", scheduleId: "sch_1" });
    expect(run(["schedules", "run", "sch_1"]).command).toEqual({ name: "schedules run", scheduleId: "sch_1" });
    expect(run(["schedules", "runs", "sch_1"]).command).toEqual({ name: "schedules runs", scheduleId: "sch_1" });
    expect(run(["schedules", "list"]).command).toEqual({ name: "schedules list" });
  });
});

describe("autopilot tools", () => {
  it("asks for the Autopilot's tools in a thread, a project, or the workspace", () => {
    expect(parseCli(["tools", "--thread", "t1"], CLI_ENV)).toMatchObject({
      command: { name: "tools", threadId: "t1" },
    });
    expect(parseCli(["tools", "--project", "p1"], CLI_ENV)).toMatchObject({
      command: { name: "tools", projectId: "p1" },
    });
    expect(parseCli(["tools"], CLI_ENV)).toMatchObject({ command: { name: "tools" } });
  });

  it("refuses a thread and a project at once as a usage error", () => {
    expect(() => parseCli(["tools", "--thread", "t1", "--project", "p1"], CLI_ENV)).toThrow(UsageError);
    expect(() => parseCli(["tools", "t1"], CLI_ENV)).toThrow(UsageError);
  });
});
