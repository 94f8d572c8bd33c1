// Pure parts of keeping tenants apart: uid allocation, the per-workspace cap, usage parsing
// from answers and streams, the ledger's arithmetic and credentials, and the rooms'
// per-workspace credentials on the API and the Node server's upgrades.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EMPTY_USAGE, instanceUsageSchema, workspaceUsageSchema } from "../../shared/runtime/usage";
import { createRuntimeApi, handleApiRequest } from "../src/api";
import { tenantCredential } from "../../shared/runtime/tenant";
import type { ProcessHost } from "../src/process-host";
import { GatewayProxy } from "../src/ws-proxy";
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

describe("tenant credentials", () => {
  const TOKEN = "service-token-0123456789abcdef0123456789";
  const KEY = "tenant-key-0123456789abcdef0123456789abcdef";
  const PREVIOUS_KEY = "previous-tenant-key-0123456789abcdef0123";
  /** A host that records what reached it. */
  function recordingHost() {
    const calls: [string, unknown][] = [];
    const note = <T>(name: string, arg: unknown, answer: T): T => {
      calls.push([name, arg]);
      return answer;
    };
    const host = {
      maxGateways: 1,
      activeCount: () => 0,
      list: (workspaceId: string) => note("list", workspaceId, []),
      status: (target: unknown) => note("status", target, okResult({})),
      credentials: (target: unknown) => note("credentials", target, okResult({ token: "t" })),
    } as unknown as RuntimeHost;
    const ask = (auth: Parameters<typeof handleApiRequest>[1], bearer: string, url: string, method = "GET") =>
      handleApiRequest(
        host,
        auth,
        { host: "process", model: null },
        { method, url, authorization: `Bearer ${bearer}` },
      );
    return { calls, ask };
  }
  const rotating = { serviceToken: TOKEN, tenantKeys: [KEY, PREVIOUS_KEY] };

  it("takes a workspace's credential on that workspace's routes and health only; never a key itself", async () => {
    const { calls, ask } = recordingHost();
    const as = (bearer: string, url: string, method = "GET") => ask(rotating, bearer, url, method);
    const a = await tenantCredential(KEY, "wsA");
    expect((await as(a, "/v1/workspaces/wsA/instances/x/credentials")).status).toBe(200);
    expect((await as(a, "/v1/workspaces/wsA/instances")).status).toBe(200);
    expect((await as(a, "/v1/health")).status).toBe(200);
    expect(calls).toEqual([
      ["credentials", ref("wsA", "x")],
      ["list", "wsA"],
    ]);
    // A's credential on B's routes (plain or percent-encoded): typed, and nothing reached the host.
    for (const [method, url] of [
      ["GET", "/v1/workspaces/wsB/instances/x/credentials"],
      ["GET", "/v1/workspaces/ws%42/instances/x"],
      ["PUT", "/v1/workspaces/wsB/spend"],
    ] as const) {
      const refused = await as(a, url, method);
      expect(refused.status, url).toBe(401);
      expect(refused.body, url).toMatchObject({ ok: false, error: { code: "unauthenticated" } });
      expect(JSON.stringify(refused.body), url).toMatch(/another workspace/);
    }
    // One claiming A but made without the key; the keys themselves; one of a key this runtime does not hold.
    const forged = `${a.slice(0, a.lastIndexOf(".") + 1)}${"A".repeat(43)}`;
    const foreign = await tenantCredential("some-other-key-0123456789abcdef0123456789", "wsA");
    for (const bearer of [forged, KEY, PREVIOUS_KEY, foreign]) {
      const refused = await as(bearer, "/v1/workspaces/wsA/instances/x/credentials");
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ error: { code: "unauthenticated" } });
      expect((await as(bearer, "/v1/health")).status).toBe(401);
    }
    expect(calls).toHaveLength(2);
    // Without tenant keys no credential is taken; the operator's service token reaches every workspace.
    expect((await ask(TOKEN, a, "/v1/workspaces/wsA/instances/x")).status).toBe(401);
    expect((await as(TOKEN, "/v1/workspaces/wsB/instances/x")).status).toBe(200);
  });

  it("rotates: the previous key's credentials work while it is configured, and only then", async () => {
    const { ask } = recordingHost();
    const old = await tenantCredential(PREVIOUS_KEY, "wsA");
    expect((await ask(rotating, old, "/v1/workspaces/wsA/instances/x")).status).toBe(200);
    const rotated = { serviceToken: TOKEN, tenantKeys: [KEY] };
    expect((await ask(rotated, old, "/v1/workspaces/wsA/instances/x")).status).toBe(401);
    expect((await ask(rotated, await tenantCredential(KEY, "wsA"), "/v1/workspaces/wsA/instances/x")).status).toBe(200);
  });

  it("checks them on the Node server's WebSocket upgrades too", async () => {
    const { createServer } = await import("node:http");
    const { default: WebSocket } = await import("ws");
    const targets: unknown[] = [];
    const gatewayTarget = (target: unknown) => {
      targets.push(target);
      return errResult(runtimeError("not_found", "no such instance"));
    };
    // The proxy asks for the target through the wake (an asleep gateway is woken first).
    const host = {
      startTimeoutMs: 1000,
      wakeTarget: async (target: unknown) => gatewayTarget(target),
    } as unknown as ProcessHost;
    const server = createServer();
    server.on("upgrade", new GatewayProxy(host, { serviceToken: TOKEN, tenantKeys: [KEY] }).handleUpgrade);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const upgradeStatus = (path: string, bearer: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
        ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.once("open", () => reject(new Error("upgraded")));
        ws.once("error", () => {});
      });
    try {
      const a = await tenantCredential(KEY, "wsA");
      expect(await upgradeStatus("/v1/workspaces/wsB/instances/x/gateway", a)).toBe(401);
      expect(await upgradeStatus("/v1/workspaces/wsA/instances/x/device", KEY)).toBe(401);
      expect(targets).toEqual([]);
      // Its own workspace's socket gets past the check to the host (which has no such instance).
      expect(await upgradeStatus("/v1/workspaces/wsA/instances/x/gateway", a)).toBe(404);
      expect(targets).toEqual([ref("wsA", "x")]);
    } finally {
      server.close();
    }
  });
});
