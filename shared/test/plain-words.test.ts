// The text table (shared/plain-words.ts, shared/audit-words.ts, shared/approval-summary.ts)
// over a realistic set of inputs: every method and its tool, every audit action the room and
// the Worker record (with the raw target ids they carry), every error code with the kind of
// message the room and the client write, the runtime's start timeout, every approval action,
// gateway session keys. Nothing it says may show a raw id, an internal name or milliseconds.
import { describe, expect, it } from "vitest";
import { approvalSummary, type NameLookup } from "../approval-summary";
import { auditKind, auditWords, foldMemoryWrites, memoryWritesWords } from "../audit-words";
import {
  approvalOutcomeWords,
  approvalStatusWords,
  durationWords,
  ERROR_WORDS,
  errorWords,
  INSTANCE_OPERATION_WORDS,
  JOB_STATUS_WORDS,
  METHOD_WORDS,
  plainMessage,
  runtimeErrorWords,
  sessionWords,
  statusWords,
  toolLabel,
  toolWords,
} from "../plain-words";
import type { Approval } from "../protocol/approvals";
import type { AuditEntry } from "../protocol/audit";
import { Methods } from "../protocol/methods";
import { RUNTIME_ERROR_STATUS } from "../runtime/errors";
import { rawInternals, textsWithInternals } from "./plain-text-check";
import { budgetRaisedOutcome } from "./records";

const THREAD = "thr_3f9a2c1b7d6e5f4a3b2c";
const GONE = "thr_0a1b2c3d4e5f6a7b8c9d";
const RUN = "run_9b8c7d6e5f4a3b2c1d0e";
const APPROVAL = "apr_5e4d3c2b1a0f9e8d7c6b";
const JOB = "job_1a2b3c4d5e6f7a8b9c0d";
const names: NameLookup = {
  thread: (id) => (id === THREAD ? "Launch plan" : null),
  instance: (id) => (id === "lab" ? "Lab" : null),
  job: (id) => (id === JOB ? "Nightly index" : null),
};
const alice = { id: "usr_alice", kind: "user" as const, name: "Alice" };
const agent = { id: "key_42", kind: "agent" as const, name: "ci-bot" };

describe("the checker", () => {
  it("finds what the issue found, and leaves titles, commands and addresses alone", () => {
    expect(rawInternals("Autopilot wants to run threads_archive")).not.toEqual([]);
    expect(rawInternals(`run.went_ahead ${RUN}`)).not.toEqual([]);
    expect(rawInternals("approval.requested")).not.toEqual([]);
    expect(rawInternals("the gateway did not answer within 120000 ms (gateway_failed)")).not.toEqual([]);
    expect(rawInternals(`Archive the thread ${THREAD}.`)).not.toEqual([]);
    expect(rawInternals("chat.send got no response within 30000 ms")).not.toEqual([]);
    expect(rawInternals("Alice added bob@example.test as admin. Archive the thread “notes_v2.md”.")).toEqual([]);
  });
});

describe("the text table", () => {
  it("says what every method and its tool does", () => {
    const texts: Record<string, string> = {};
    for (const method of Object.keys(Methods) as (keyof typeof Methods)[]) {
      texts[method] = METHOD_WORDS[method];
      texts[`tool ${method}`] = toolWords(method.replaceAll(".", "_"));
      texts[`label ${method}`] = toolLabel(method.replaceAll(".", "_"));
    }
    texts.gateway = toolWords("openclaw_tool", "web_search");
    texts.gatewayNamed = toolWords("openclaw_tool", "exec");
    texts.unknown = toolLabel("memory_wipe");
    expect(textsWithInternals(texts)).toEqual({});
    expect(toolLabel("threads_archive")).toBe("Archive a thread");
    // Idempotent: a label stays a label.
    expect(toolLabel("Archive a thread")).toBe("Archive a thread");
  });

  it("says durations, statuses and errors in words", () => {
    expect(durationWords(120_000)).toBe("2 minutes");
    expect(durationWords(30_000)).toBe("30 seconds");
    expect(durationWords(3_900_000)).toBe("1 hour 5 minutes");
    expect(plainMessage("the gateway did not complete a connect handshake within 120000 ms (gateway_failed)")).toBe(
      "the gateway did not complete a connect handshake within 2 minutes",
    );
    // An instance's retry line as the runtime's message and code make it.
    expect(
      plainMessage("failed: the gateway did not answer within 120000 ms (gateway_failed); trying again in 1 s"),
    ).toBe("failed: the gateway did not answer within 2 minutes; trying again in 1 s");
    const texts: Record<string, string> = {};
    for (const code of Object.keys(ERROR_WORDS)) {
      texts[`${code} raw`] = errorWords(code, `no thread ${GONE}`);
      texts[`${code} timeout`] = errorWords(code, "chat.send got no response within 30000 ms");
      texts[`${code} words`] = errorWords(code, "");
    }
    for (const code of Object.keys(RUNTIME_ERROR_STATUS)) {
      texts[`runtime ${code}`] = runtimeErrorWords({ code, message: "" });
      texts[`runtime ${code} timeout`] = runtimeErrorWords({
        code,
        message: "the gateway did not complete a connect handshake within 120000 ms",
      });
      texts[`runtime ${code} sdk`] = runtimeErrorWords({ code, message: "sandbox.exec failed: ECONNRESET" });
    }
    for (const status of Object.keys(JOB_STATUS_WORDS)) texts[`job ${status}`] = statusWords("job", status);
    for (const status of ["provisioning", "starting", "ready", "error", "stopped"])
      texts[`instance ${status}`] = statusWords("instance", status);
    for (const status of ["ok", "error", "denied", "expired"]) texts[`tool ${status}`] = statusWords("tool", status);
    for (const [op, words] of Object.entries(INSTANCE_OPERATION_WORDS)) texts[`operation ${op}`] = words;
    expect(textsWithInternals(texts)).toEqual({});
    expect(errorWords("not_found", "the thread is archived")).toBe("The thread is archived");
  });

  it("tells an approval someone went ahead without from one nobody decided in time", () => {
    expect(approvalStatusWords({ status: "expired", note: "Alice went ahead without it" })).toBe("Withdrawn");
    expect(approvalStatusWords({ status: "expired", note: null })).toBe("Expired");
    expect(approvalStatusWords({ status: "approved", note: "ok" })).toBe("Approved");
  });

  it("says a spend approval the room resolved when its budget was raised was no longer needed, not withdrawn", () => {
    const raised = budgetRaisedOutcome;
    // Raised by Alice Owner (the module's `alice` is another person).
    const owner = raised.resolvedBy;
    expect(approvalStatusWords(raised)).toBe("No longer needed");
    expect(approvalOutcomeWords(raised)).toEqual({
      label: "No longer needed: Alice Owner raised the budget to 1,000 credits",
      byWhom: false,
      note: null,
    });
    // One she went ahead without still reads as hers, with her reason quoted.
    const withdrawn = { status: "expired" as const, resolvedBy: owner, note: "Alice went ahead without it" };
    expect(approvalOutcomeWords(withdrawn)).toEqual({
      label: "Withdrawn",
      byWhom: true,
      note: "Alice went ahead without it",
    });
    expect(approvalOutcomeWords({ status: "approved", resolvedBy: owner, note: null }).byWhom).toBe(true);
  });

  it("says what a gateway session is, never its key", () => {
    const keys = [
      "agent:main:main",
      "agent:main:telegram:direct:123456789",
      "agent:main:telegram:group:-100123",
      "agent:ops:discord:channel:998877",
      "agent:main:cron:nightly_digest",
      "agent:main:subagent:research_1",
      "agent:main:hook:gmail",
      "agent:main:webchat:thr_abc123",
      "weird",
    ];
    const texts = Object.fromEntries(keys.map((key) => [key, sessionWords(key)]));
    expect(textsWithInternals(texts)).toEqual({});
    expect(texts["agent:main:telegram:direct:123456789"]).toBe("A Telegram chat");
    expect(texts["agent:main:main"]).toBe("The agent's main session");
  });
});

const entry = (
  action: string,
  targetId: string,
  details: Record<string, unknown>,
  actor: AuditEntry["actor"] = alice,
): AuditEntry => ({
  n: 1,
  at: 0,
  actor,
  action,
  targetId,
  details,
});

describe("the audit log in words", () => {
  it("reads every action the room and the Worker record without ids or action names", () => {
    const entries: AuditEntry[] = [
      entry("key.created", "key_7f3a9c2b", { name: "ci-bot", scopes: ["read", "write"] }),
      entry("key.revoked", "key_7f3a9c2b", {}),
      entry("key.updated", "key_7f3a9c2b", { enabled: false }),
      entry("key.rotated", "key_7f3a9c2b", { replacedBy: "key_0c1d2e3f" }),
      entry("member.added", "usr_1a2b3c", { email: "bob@example.test", role: "member" }),
      entry("member.removed", "usr_1a2b3c", { email: "bob@example.test" }),
      entry("member.left", "usr_1a2b3c", {}),
      entry("member.role_changed", "usr_1a2b3c", { email: "bob@example.test", role: "admin" }),
      entry("workspace.deleted", "ws_1a2b3c", {}),
      entry("approval.requested", APPROVAL, { title: "The Autopilot wants to archive a thread", risk: "medium" }),
      entry("approval.approved", APPROVAL, { title: "Restart OpenClaw instance “Lab”", note: null }),
      entry("approval.denied", APPROVAL, { title: "Deploy", note: "not today" }),
      entry("approval.expired", APPROVAL, { title: "Deploy" }, null),
      entry("approval.expired", APPROVAL, { title: "Deploy", note: "Alice went ahead without it" }),
      entry("run.went_ahead", RUN, { threadId: THREAD, withdrawn: [APPROVAL] }),
      entry("run.went_ahead", RUN, { threadId: GONE, withdrawn: [APPROVAL] }),
      entry("run.stopped", RUN, { threadId: THREAD, triggeredBy: "usr_1", reason: "their access changed" }),
      entry("settings.changed", "settings", { approvals: { twoPersonRule: true } }),
      entry("memory.put", "release-checklist", {}, agent),
      entry("memory.delete", "release-checklist", {}),
      entry("job.cancel_requested", JOB, { title: "Nightly index", reason: null }),
      entry("job.cancel_requested", "job_9f8e7d6c5b4a", { reason: null }),
      entry("project.created", "prj_1a2b3c4d", { name: "Website", threads: 2 }),
      entry("project.archived", "prj_1a2b3c4d", { name: "Website" }),
      entry("project.restored", "prj_1a2b3c4d", { name: "Website" }),
      entry("task.started", "task_1a2b3c4d", { goal: "Tidy the backlog", threadId: THREAD, budget: {} }),
      entry("task.paused", "task_1a2b3c4d", { reason: null }),
      entry("task.resumed", "task_1a2b3c4d", {}),
      entry("task.cancelled", "task_1a2b3c4d", { by: "usr_1", reason: null }),
      entry("schedules.create", "sch_1a2b3c4d", { when: "every", action: "post" }),
      entry("schedules.pause", "sch_1a2b3c4d", {}),
      entry("schedules.resume", "sch_1a2b3c4d", {}),
      entry("schedules.delete", "sch_1a2b3c4d", {}),
      entry("schedule.paused", "sch_1a2b3c4d", { reason: "its owner no longer has access" }, null),
      entry("billing.budget", "workspace", { scope: "workspace", limit: 50_000 }),
      entry("billing.budget", "key_1", { scope: "key", limit: null }),
      entry("billing.plan", "workspace", { plan: "pro" }, null),
      entry("billing.grant", "workspace", { entryId: "grant_1", amount: 1000 }, null),
      entry("billing.topup", "workspace", { entryId: "cs_1", amount: 5000 }, null),
      entry("community.hide", "a".repeat(64), {}),
      entry("community.ban", "b".repeat(64), {}),
      entry("something.new_later", "thr_1a2b3c4d5e", {}),
    ];
    const texts: Record<string, string> = {};
    for (const [i, e] of entries.entries()) {
      const line = auditWords(e, names);
      texts[`${i} ${e.action}`] = [line.who ?? "", line.what, line.detail].join(" ");
    }
    expect(textsWithInternals(texts)).toEqual({});
    const hid = entries.find((e) => e.action === "community.hide")!;
    expect(auditWords(hid, names).what).toBe("hid a post in the community");
    expect(auditWords(entries[14]!, names).what).toBe(
      "went ahead without waiting for approval in the thread “Launch plan”",
    );
    expect(auditWords(entries[12]!, names)).toMatchObject({
      who: null,
      what: "“Deploy” expired: nobody decided in time",
    });
    expect(auditWords(entries[13]!, names).what).toBe("withdrew “Deploy”");
    // A spend approval a raise made unneeded: not withdrawn, and the reason said once.
    const raised = entry("approval.expired", APPROVAL, {
      title: "Spend up to 3,100 more credits",
      note: "no longer needed: Alice raised the budget to 100,000 credits",
    });
    expect(auditWords(raised, names)).toMatchObject({
      what: "made “Spend up to 3,100 more credits” no longer needed",
      detail: "“Alice raised the budget to 100,000 credits”",
    });
  });

  it("names the key revoked or rotated, and says a person who accepted an invitation joined", () => {
    expect(auditWords(entry("key.revoked", "key_1", { name: "ci-bot" }), names).what).toBe(
      "revoked the agent key “ci-bot”",
    );
    expect(auditWords(entry("key.rotated", "key_1", { name: "ci-bot", replacedBy: "key_2" }), names).what).toBe(
      "replaced the agent key “ci-bot” with a new one",
    );
    const joined = entry("member.added", alice.id, { invitation: "inv_1", role: "member" });
    expect(auditWords(joined, names)).toMatchObject({ who: alice.name, what: "joined the workspace" });
    // An owner adding someone still reads as adding them.
    expect(auditWords(entry("member.added", "usr_9", { email: "bob@example.test" }), names).what).toBe(
      "added bob@example.test",
    );
  });

  it("names the task or schedule a line is about, from the entry or from what the app knows", () => {
    expect(auditWords(entry("task.resumed", "task_1", { goal: "Release 1.4" }), names).what).toBe(
      "resumed the task “Release 1.4”",
    );
    expect(auditWords(entry("schedules.pause", "sch_1", { name: "Stand-up" }), names).what).toBe(
      "paused the schedule “Stand-up”",
    );
    const known = { ...names, schedule: (id: string) => (id === "sch_2" ? "Digest" : null) };
    expect(auditWords(entry("schedules.update", "sch_2", { changed: ["when"] }), known).what).toBe(
      "changed the times of the schedule “Digest”",
    );
    // Neither carried nor known: it says what it is, never its id.
    expect(auditWords(entry("task.paused", "task_9", {}), names).what).toBe("paused a task");
  });

  it("sorts lines into filters and folds one actor's run of memory writes into one line", () => {
    expect(auditKind("memory.put")).toBe("memory");
    expect(auditKind("schedules.pause")).toBe("work");
    expect(auditKind("billing.budget")).toBe("money");
    expect(auditKind("approval.approved")).toBe("approvals");
    expect(auditKind("key.created")).toBe("access");
    const lines = foldMemoryWrites([
      entry("approval.approved", APPROVAL, { title: "Deploy" }),
      entry("memory.put", "a", {}, agent),
      entry("memory.put", "b", {}, agent),
      entry("memory.delete", "c", {}, agent),
      entry("memory.put", "d", {}),
      entry("task.resumed", "task_1", {}),
    ]);
    expect(lines.map((l) => l.kind)).toEqual(["entry", "memory", "entry", "entry"]);
    const folded = lines[1]!;
    expect(folded.kind === "memory" && memoryWritesWords(folded.entries)).toBe("saved 2 memory notes and deleted 1");
  });
});

const tool = (name: string, args: unknown): Approval["action"] => ({
  kind: "tool",
  runId: RUN,
  toolCallId: "call_0",
  tool: name,
  arguments: JSON.stringify(args),
});

describe("what an approval will do", () => {
  it("never shows a raw id or a tool's name, whatever the room knows", () => {
    const actions: [string, Approval["action"]][] = [
      ["archive known", tool("threads_archive", { threadId: THREAD })],
      ["archive gone", tool("threads_archive", { threadId: GONE })],
      ["restore", tool("threads_archive", { threadId: THREAD, archived: false })],
      ["cancel job", tool("jobs_cancel", { jobId: JOB })],
      ["cancel gone job", tool("jobs_cancel", { jobId: "job_0f0e0d0c0b0a" })],
      ["attach", tool("instances_attach", { instanceId: "lab", threadId: GONE })],
      ["detach", tool("instances_detach", { instanceId: "lab", threadId: THREAD })],
      ["open session", tool("sessions_open", { instanceId: "lab", sessionKey: "agent:main:telegram:direct:1" })],
      ["other tool", tool("memory_delete", { key: "x" })],
      ["gateway tool", tool("openclaw_tool", { tool: "web_search", args: {} })],
      ["exec", { kind: "exec", instanceId: "lab", requestId: "r1", command: "ls", cwd: null, sessionKey: null }],
      [
        "pairing",
        {
          kind: "pairing",
          instanceId: "lab",
          target: "device",
          requestId: "r1",
          subject: "phone",
          summary: "iOS",
          scopes: ["operator.read", "operator.write"],
        },
      ],
      ...(["provision", "restart", "backup", "delete", "link", "configureChannel"] as const).map(
        (operation): [string, Approval["action"]] => [
          operation,
          { kind: "instance", operation, instanceId: "lab", channel: { channel: "telegram", accountId: "default" } },
        ],
      ),
    ];
    const texts = Object.fromEntries(
      actions.map(([what, action]) => [what, approvalSummary(action, "t", names, "Lab")]),
    );
    expect(textsWithInternals(texts)).toEqual({});
    expect(texts["archive gone"]).toBe(
      "The Autopilot will archive a thread that is not in this workspace: it leaves the thread list.",
    );
  });
});
