// The app's user-facing texts over realistic inputs, as its components render them (to static
// markup: what a person reads, without a browser) and as its helpers write them: tool calls,
// an approval's outcome, the canvas's session nodes and activity, errors from the room and
// the client, an instance's gateway line. None may show a raw id, a method, tool, action or
// code name, or milliseconds (shared/test/plain-text-check.ts).
import { ReactFlowProvider } from "@xyflow/react";
import { createElement, type ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { activityForApproval, activityForMessage } from "../../shared/hatchery/activity";
import { statusWords, toolLabel } from "../../shared/plain-words";
import type { MessageTool } from "../../shared/protocol/agent";
import type { Approval } from "../../shared/protocol/approvals";
import { readyInstance } from "../../shared/test/records";
import { Methods } from "../../shared/protocol/methods";
import { textsWithInternals } from "../../shared/test/plain-text-check";
import { SessionNode } from "../app/canvas/nodes";
import { errorText } from "../app/lib/api";
import { gatewayLine } from "../app/lib/instance-status";
import { ApprovalOutcome } from "../app/panels/ApprovalActions";
import { ToolCallBlock } from "../app/panels/ToolCall";
import { AutopilotError } from "../src/errors";
import { approval } from "./fixtures";

/** What a person reads of an element: its text, tags and attributes left out. */
const textOf = (element: ReactElement): string =>
  renderToStaticMarkup(element)
    .replace(/<[^>]*>/g, " ")
    .replace(
      /&[a-z]+;|&#\d+;/g,
      (entity) => ({ "&amp;": "&", "&quot;": '"', "&#x27;": "'", "&lt;": "<", "&gt;": ">" })[entity] ?? " ",
    )
    .replace(/\s+/g, " ")
    .trim();

const RUN = "run_9b8c7d6e5f4a3b2c1d0e";
const toolCall = (name: string, status: MessageTool["status"], durationMs: number | null): MessageTool => ({
  callId: "call_0",
  name,
  arguments: "{}",
  result: status === "ok" || status === "error" ? "done" : null,
  status,
  durationMs,
  approvalId: null,
  runId: RUN,
});

describe("the app's texts", () => {
  it("a tool call says what it did and how it went, for every tool the Autopilot has", () => {
    const texts: Record<string, string> = {};
    const tools = [...Object.keys(Methods).map((m) => m.replaceAll(".", "_")), "openclaw_tool"];
    for (const name of tools)
      for (const status of ["ok", "error", "denied", "expired"] as const)
        texts[`${name} ${status}`] = textOf(createElement(ToolCallBlock, { tool: toolCall(name, status, 120_000) }));
    // What the issue saw: the tool's own name.
    expect(texts["threads_archive denied"]).toMatch(/^Archive a thread Not allowed 2 min /);
    expect(textsWithInternals(texts)).toEqual({});
  });

  it("an approval someone went ahead without reads Withdrawn, one nobody decided reads Expired", () => {
    const withdrawn: Approval = approval("apr_1", {
      status: "expired",
      resolvedAt: 5,
      note: "Alice went ahead without it",
    });
    expect(textOf(createElement(ApprovalOutcome, { approval: withdrawn }))).toMatch(/^Withdrawn/);
    const expired: Approval = approval("apr_2", { status: "expired", resolvedAt: 5 });
    expect(textOf(createElement(ApprovalOutcome, { approval: expired }))).toMatch(/^Expired/);
  });

  it("a session on the canvas says what it is, its key only in the tooltip", () => {
    const texts: Record<string, string> = {};
    for (const key of ["agent:main:telegram:direct:123456789", "agent:main:main", "agent:main:cron:nightly_digest"]) {
      const g = {
        id: `session:lab:${key}`,
        kind: "session",
        ref: key,
        x: 0,
        y: 0,
        w: 240,
        h: 96,
        data: { title: "", key, preview: null, status: null, running: false, updatedAt: null, instanceId: "lab" },
      };
      const props = { id: g.id, data: { g }, selected: false } as unknown as Parameters<typeof SessionNode>[0];
      texts[key] = textOf(createElement(ReactFlowProvider, null, createElement(SessionNode, props)));
    }
    expect(texts["agent:main:telegram:direct:123456789"]).toContain("A Telegram chat");
    expect(textsWithInternals(texts)).toEqual({});
  });

  it("the canvas's activity entries are written in words", () => {
    const texts: Record<string, string> = {};
    for (const status of ["ok", "denied", "expired"] as const) {
      const [op] = activityForMessage({
        threadId: "thr_1a2b3c4d5e",
        kind: "tool",
        createdAt: 1,
        tool: toolCall("jobs_cancel", status, 850),
      });
      texts[`tool ${status}`] =
        `${op!.entry.title} ${statusWords(op!.entry.kind, op!.entry.status)} ${op!.entry.detail}`;
    }
    const withdrawn = approval("apr_1", {
      threadId: "thr_1a2b3c4d5e",
      status: "expired",
      note: "Alice went ahead without it",
      resolvedAt: 2,
      title: "The Autopilot wants to archive a thread",
    });
    const [op] = activityForApproval(withdrawn);
    texts.approval = `${op!.entry.title} ${statusWords(op!.entry.kind, op!.entry.status)} ${op!.entry.detail ?? ""}`;
    expect(texts.approval).toContain("Withdrawn");
    // A canvas written before the table (a tool entry titled by its name) reads the same in the app.
    texts.old = toolLabel("threads_rename");
    expect(textsWithInternals(texts)).toEqual({});
  });

  it("errors from the room and the client say what happened, never how", () => {
    const texts: Record<string, string> = {
      timeout: errorText(new AutopilotError("timeout", "chat.send got no response within 30000 ms")),
      notFound: errorText(new AutopilotError("not_found", "no thread thr_0a1b2c3d4e5f6a7b8c9d")),
      conflict: errorText(new AutopilotError("conflict", `run ${RUN} is not waiting for an approval (it is done)`)),
      unknown: errorText(new AutopilotError("unknown_method", "unknown method threads.markRead")),
      plain: errorText(new AutopilotError("forbidden", "only a person has an inbox")),
      other: errorText(new Error("sessions.send failed after 5000 ms")),
    };
    expect(textsWithInternals(texts)).toEqual({});
    expect(texts.plain).toBe("Only a person has an inbox");
  });

  it("a refused request's params say what was wrong in the schema's words, without method or field names", () => {
    const zone = "not a time zone this server knows (an IANA name such as Europe/Berlin)";
    expect(
      errorText(
        new AutopilotError(
          "bad_request",
          `invalid params for inbox.configure: preferences.quietHours.timeZone: ${zone}`,
        ),
      ),
    ).toBe(`Not a time zone this server knows (an IANA name such as Europe/Berlin)`);
    expect(
      errorText(new AutopilotError("bad_request", `invalid params: preferences.quietHours.timeZone: ${zone}`)),
    ).toBe("Not a time zone this server knows (an IANA name such as Europe/Berlin)");
    // What is still no sentence for a person stays the code's words.
    expect(errorText(new AutopilotError("bad_request", "invalid params for x.y: a.b: use chat.send"))).toBe(
      "That request was not understood.",
    );
  });

  it("an instance's gateway line says why it is offline in words", () => {
    const instance = readyInstance("lab", {
      name: "Lab",
      status: "error",
      phase: "error",
      progress: 0,
      error: "the gateway did not complete a connect handshake within 120000 ms (gateway_failed)",
      bridge: "offline",
      bridgeError: null,
    });
    const line = gatewayLine(instance);
    expect(line?.detail).toBe("the gateway did not complete a connect handshake within 2 minutes");
    expect(textsWithInternals({ label: line?.label ?? "", detail: line?.detail ?? "" })).toEqual({});
  });
});
