// A run's tools read their trigger's access before every call (run-access.ts accessGuard); a
// verdict the caller has just read is taken instead only while the isolate's clock has not
// moved since (workerd moves it only when I/O completes), and only by the next call.
import type { ToolExecutionOptions } from "ai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Actor, Principal } from "../../../../../../shared/protocol/principal";
import type { Sql } from "../../../../../domain/sql";
import type { AccessVerdict } from "../../../../../auth/current-access";
import { actingTools, type RunAccess } from "../run-access";

const starter: Actor = { id: "user-1", kind: "user", name: "Ada" };
const options = (toolCallId: string) => ({ toolCallId, messages: [] }) as unknown as ToolExecutionOptions<unknown>;

function setup(verdict: () => AccessVerdict) {
  const reads: Principal[] = [];
  const invoked: string[] = [];
  const gone: string[] = [];
  const toolsOf = () =>
    actingTools(
      {
        sql: {} as Sql,
        invoke: async (_principal, method) => {
          invoked.push(method);
          return { threads: [] };
        },
        gateway: () => null,
        currentAccess: async (principal) => {
          reads.push(principal);
          return verdict();
        },
      },
      { id: "task-1", threadId: "thread-1", scopes: ["read", "write"], triggeredBy: starter },
      [],
      (reason) => void gone.push(reason),
    );
  return { reads, invoked, gone, toolsOf };
}

const member = (): AccessVerdict => ({
  ok: true,
  principal: { ...starter, role: "member", scopes: ["read", "write"] } as Principal,
});
const ok: RunAccess = { kind: "ok", scopes: ["read", "write"] };

describe("actingTools: a verdict just read", () => {
  beforeEach(() => {
    // Node's clock moves on its own; workerd's stands still until I/O completes. Frozen here as there.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it("the next call takes it instead of reading again; the call after reads D1", async () => {
    const { reads, invoked, toolsOf } = setup(member);
    const { tools, checked } = await toolsOf();
    checked(ok);
    await tools.threads_list!.execute!({ limit: 1 }, options("call_1"));
    expect(reads).toHaveLength(0);
    expect(invoked).toEqual(["threads.list"]);
    await tools.threads_list!.execute!({ limit: 1 }, options("call_2"));
    expect(reads).toHaveLength(1);
    expect(invoked).toEqual(["threads.list", "threads.list"]);
  });

  it("once the clock moved (something was awaited in between), the call reads D1 and its answer decides", async () => {
    const { reads, invoked, gone, toolsOf } = setup(() => ({ ok: false, code: 4001, reason: "API key revoked" }));
    const { tools, checked } = await toolsOf();
    checked(ok);
    vi.setSystemTime(1_000_001);
    await expect(tools.threads_list!.execute!({ limit: 1 }, options("call_1"))).rejects.toThrow(/no longer has access/);
    expect(reads).toHaveLength(1);
    expect(invoked).toEqual([]);
    expect(gone).toEqual(["API key revoked"]);
  });

  it("what the verdict says holds: scopes narrowed to read refuse a write tool without another read", async () => {
    const { reads, invoked, toolsOf } = setup(member);
    const { tools, checked } = await toolsOf();
    checked({ kind: "ok", scopes: ["read"] });
    await expect(tools.threads_rename!.execute!({ threadId: "t", title: "x" }, options("call_1"))).rejects.toThrow(
      /no longer holds the write scope/,
    );
    expect(reads).toHaveLength(0);
    expect(invoked).toEqual([]);
  });
});
