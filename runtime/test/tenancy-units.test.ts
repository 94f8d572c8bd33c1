// Pure parts of keeping tenants apart: uid allocation, the per-workspace cap, usage parsing
// from answers and streams, the ledger's arithmetic and credentials.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EMPTY_USAGE, instanceUsageSchema, workspaceUsageSchema } from "../../shared/runtime/usage";
import { createRuntimeApi } from "../src/api";
import { errResult, okResult, runtimeError } from "../src/errors";
import type { RuntimeHost } from "../src/host";
import { makeDirs, RUNTIME_ONLY_DIRS, secureDataDir } from "../src/instance-access";
import { ModelCredentials } from "../src/model-credentials";
import { addCall, MAX_SCANNED_LINE_BYTES, SseUsageScanner, usageOf } from "../src/model-usage";
import { allocateUid, isolationMode, TENANT_UID_BASE, TENANT_UID_RANGE, TenantUsers } from "../src/tenant-users";
import { UsageLedger } from "../src/usage-ledger";
import { checkWorkspaceCap } from "../src/gateway-caps";

const dir = mkdtempSync(join(tmpdir(), "runtime-tenancy-"));
// mkdtemp makes 0700; separate users need to pass through it (secureDataDir checks).
chmodSync(dir, 0o711);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ref = (workspaceId: string, instanceId: string) => ({ workspaceId, instanceId });
const enc = (text: string) => new TextEncoder().encode(text);

describe("tenant users", () => {
  it("separate users only as root", () => {
    expect(isolationMode(0)).toBe("separate-users");
    expect(isolationMode(1000)).toBe("shared-user");
  });

  it("allocates a stable uid in the high range, moving past taken ones", () => {
    const uid = allocateUid(ref("ws", "a"), new Set());
    expect(uid).toBeGreaterThanOrEqual(TENANT_UID_BASE);
    expect(uid).toBeLessThan(TENANT_UID_BASE + TENANT_UID_RANGE);
    expect(allocateUid(ref("ws", "a"), new Set())).toBe(uid);
    const next = allocateUid(ref("ws", "a"), new Set([uid]));
    expect(next).not.toBe(uid);
  });

  it("records allocations in a runtime-only file: distinct per instance, kept across restarts, released on delete", () => {
    const file = join(dir, "tenant-users.json");
    const users = new TenantUsers(file);
    const a = users.userFor(ref("ws", "a"));
    const b = users.userFor(ref("ws", "b"));
    expect(a.uid).not.toBe(b.uid);
    expect(a.gid).toBe(a.uid);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new TenantUsers(file).userFor(ref("ws", "a"))).toEqual(a);
    users.release(ref("ws", "a"));
    expect(new TenantUsers(file).userFor(ref("ws", "b"))).toEqual(b);
  });
});

describe("data dir modes", () => {
  it("separate users: traverse-only data dir and instances/, runtime-only dirs 0700", () => {
    const data = join(dir, "data-separate");
    secureDataDir(data, true);
    expect(statSync(data).mode & 0o777).toBe(0o711);
    expect(statSync(join(data, "instances")).mode & 0o777).toBe(0o711);
    for (const name of RUNTIME_ONLY_DIRS) expect(statSync(join(data, name)).mode & 0o777, name).toBe(0o700);
  });

  it("shared user: nothing is opened to others", () => {
    const data = join(dir, "data-shared");
    secureDataDir(data, false);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    expect(statSync(join(data, "instances")).mode & 0o777).toBe(0o700);
  });

  it("refuses to start separate users below a directory they cannot pass", () => {
    const closed = join(dir, "closed");
    mkdirSync(closed, { mode: 0o700 });
    chmodSync(closed, 0o700);
    expect(() => secureDataDir(join(closed, "data"), true)).toThrow(/cannot pass through .*closed/);
  });

  it("makes the missing parents it creates passable (a fresh machine's /var/lib/autopilot-runtime), whatever the umask", () => {
    const fresh = join(dir, "fresh");
    const data = join(fresh, "autopilot-runtime", "checkout");
    // An operator's umask that closes everything new to others.
    const umask = process.umask(0o077);
    try {
      secureDataDir(data, true);
    } finally {
      process.umask(umask);
    }
    expect(statSync(fresh).mode & 0o777).toBe(0o711);
    expect(statSync(join(fresh, "autopilot-runtime")).mode & 0o777).toBe(0o711);
    expect(statSync(data).mode & 0o777).toBe(0o711);
  });

  it("leaves the modes of directories that were there alone", () => {
    const chosen = join(dir, "chosen");
    mkdirSync(chosen, { mode: 0o755 });
    chmodSync(chosen, 0o751);
    makeDirs(join(chosen, "a", "b"), 0o711);
    expect(statSync(chosen).mode & 0o777).toBe(0o751);
    expect(statSync(join(chosen, "a")).mode & 0o777).toBe(0o711);
    expect(statSync(join(chosen, "a", "b")).mode & 0o777).toBe(0o711);
  });

  it("opens the runtime's own closed parents (below the repo) to traversal only", () => {
    mkdirSync(join(dir, "repo"), { mode: 0o711 });
    const own = join(dir, "repo", ".data");
    mkdirSync(own, { mode: 0o700 });
    chmodSync(own, 0o700);
    secureDataDir(join(own, "runtime"), true, join(dir, "repo"));
    expect(statSync(own).mode & 0o777).toBe(0o711);
  });
});

describe("per-workspace cap", () => {
  const records = [
    { ref: ref("w1", "a"), state: "ready" as const },
    { ref: ref("w1", "b"), state: "starting" as const },
    { ref: ref("w1", "c"), state: "error" as const },
    { ref: ref("w2", "a"), state: "ready" as const },
  ];
  it("counts only the workspace's active gateways", () => {
    expect(checkWorkspaceCap("w1", records, 3)).toEqual({ ok: true });
    expect(checkWorkspaceCap("w2", records, 2)).toEqual({ ok: true });
  });
  it("refuses past the cap with a typed, non-retryable error", () => {
    const refused = checkWorkspaceCap("w1", records, 2);
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: "capacity_exceeded",
        retryable: false,
        details: { scope: "workspace", maxGatewaysPerWorkspace: 2, activeInWorkspace: 2 },
      },
    });
  });
});

describe("usage from answers", () => {
  it("reads OpenAI usage and rejects hostile values", () => {
    expect(usageOf({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })).toEqual({
      promptTokens: 3,
      completionTokens: 4,
      totalTokens: 7,
    });
    expect(usageOf({ usage: { prompt_tokens: 3, completion_tokens: 4 } })).toEqual({
      promptTokens: 3,
      completionTokens: 4,
      totalTokens: 7,
    });
    for (const usage of [
      { prompt_tokens: -1, completion_tokens: 1 },
      { prompt_tokens: 1.5, completion_tokens: 1 },
      { prompt_tokens: "9", completion_tokens: 1 },
      null,
    ]) {
      expect(usageOf({ usage })).toBeNull();
    }
    expect(usageOf("x")).toBeNull();
  });

  it("finds the last usage in a stream split at any byte", () => {
    const stream = `data: {"choices":[{"delta":{"content":"hé"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}\n\ndata: [DONE]\n\n`;
    const bytes = enc(stream);
    for (const size of [1, 3, 7, bytes.length]) {
      const scanner = new SseUsageScanner();
      for (let i = 0; i < bytes.length; i += size) scanner.push(bytes.subarray(i, i + size));
      expect(scanner.usage, `chunks of ${size}`).toEqual({ promptTokens: 10, completionTokens: 2, totalTokens: 12 });
    }
  });

  it("holds no more than one bounded line: an endless line is skipped, later lines still count", () => {
    const scanner = new SseUsageScanner();
    scanner.push(enc(`data: ${"x".repeat(MAX_SCANNED_LINE_BYTES + 10)}`));
    scanner.push(enc(`${"y".repeat(1000)}"usage":{"prompt_tokens":1,"completion_tokens":1}\n`));
    expect(scanner.usage).toBeNull();
    scanner.push(enc(`data: {"usage":{"prompt_tokens":1,"completion_tokens":1}}\n`));
    expect(scanner.usage).toEqual({ promptTokens: 1, completionTokens: 1, totalTokens: 2 });
  });

  it("adds calls: metered and unmetered", () => {
    const t1 = new Date("2026-01-01T00:00:00Z");
    const t2 = new Date("2026-01-02T00:00:00Z");
    const once = addCall(EMPTY_USAGE, { promptTokens: 5, completionTokens: 2, totalTokens: 7 }, t1);
    const twice = addCall(once, null, t2);
    expect(twice).toEqual({
      requests: 2,
      promptTokens: 5,
      completionTokens: 2,
      totalTokens: 7,
      unmetered: 1,
      since: t1.toISOString(),
      updatedAt: t2.toISOString(),
    });
  });
});

describe("model credentials", () => {
  it("verifies issued credentials, replaces them on re-issue and forgets revoked ones", () => {
    const credentials = new ModelCredentials();
    const a = credentials.issue(ref("ws", "a"));
    const b = credentials.issue(ref("ws", "b"));
    expect(credentials.verify(a)).toEqual(ref("ws", "a"));
    expect(credentials.verify(b)).toEqual(ref("ws", "b"));
    const a2 = credentials.issue(ref("ws", "a"));
    expect(credentials.verify(a)).toBeUndefined();
    expect(credentials.verify(a2)).toEqual(ref("ws", "a"));
    credentials.revoke(ref("ws", "b"));
    expect(credentials.verify(b)).toBeUndefined();
    expect(credentials.verify("")).toBeUndefined();
    expect(credentials.verify("x".repeat(10_000))).toBeUndefined();
  });
});

describe("usage routes", () => {
  const TOKEN = "service-token-0123456789abcdef0123456789";
  const host = {
    status: (ref: { instanceId: string }) =>
      ref.instanceId === "fresh" ? okResult({}) : errResult(runtimeError("not_found", "no instance")),
  } as unknown as RuntimeHost;
  const get = async (usage: UsageLedger | undefined, path: string) => {
    const app = createRuntimeApi(host, {
      serviceToken: TOKEN,
      info: { host: "process", model: null },
      ...(usage ? { usage } : {}),
    });
    const res = await app.fetch(
      new Request(`http://runtime.invalid${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
    );
    return {
      status: res.status,
      body: (await res.json()) as { ok: boolean; data?: unknown; error?: { code: string } },
    };
  };

  it("answers counted usage (kept after delete), zeros for a known instance, 404 otherwise; validated by the contract", async () => {
    const ledger = new UsageLedger(join(dir, "usage-routes"));
    ledger.record(ref("ws1", "gone"), { promptTokens: 3, completionTokens: 1, totalTokens: 4 });
    const gone = await get(ledger, "/v1/workspaces/ws1/instances/gone/usage");
    expect(gone.status).toBe(200);
    expect(instanceUsageSchema.parse(gone.body.data)).toMatchObject({
      workspaceId: "ws1",
      instanceId: "gone",
      requests: 1,
      totalTokens: 4,
    });
    const fresh = await get(ledger, "/v1/workspaces/ws1/instances/fresh/usage");
    expect(instanceUsageSchema.parse(fresh.body.data)).toEqual({
      workspaceId: "ws1",
      instanceId: "fresh",
      ...EMPTY_USAGE,
    });
    expect((await get(ledger, "/v1/workspaces/ws1/instances/never/usage")).status).toBe(404);
    const list = await get(ledger, "/v1/workspaces/ws1/usage");
    expect(workspaceUsageSchema.parse(list.body.data).instances.map((u) => u.instanceId)).toEqual(["gone"]);
    expect((await get(ledger, "/v1/workspaces/Bad..ws/usage")).status).toBe(400);
  });

  it("a host that does not meter answers not_found", async () => {
    for (const path of ["/v1/workspaces/ws1/instances/fresh/usage", "/v1/workspaces/ws1/usage"]) {
      const answer = await get(undefined, path);
      expect(answer.status).toBe(404);
      expect(answer.body.error?.code).toBe("not_found");
    }
  });
});
