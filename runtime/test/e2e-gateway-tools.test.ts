import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, DEVICE_SCOPES, ProxiedGatewayClient, SERVICE_TOKEN, waitForStatus } from "./helpers";
import { startScriptedRuntime, type ScriptedRuntime } from "./scripted-runtime";

const WS = "ws1";
const ALPHA = `/v1/workspaces/${WS}/instances/alpha`;
let setup: ScriptedRuntime;
let baseUrl: string;

beforeAll(async () => {
  setup = await startScriptedRuntime({
    dataDirPrefix: "runtime-gwtools-",
    modelApiKey: "k",
    env: { RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, RUNTIME_MAX_GATEWAYS: "1" },
  });
  ({ baseUrl } = setup);
});
afterAll(() => setup?.close());

// The pinned gateway's `tools.catalog` and `tools.invoke`, as the Autopilot's bridge uses
// them (runtime/BRIDGE.md, "Gateway tools"): seen on the wire, so a gateway upgrade that
// changes them fails here first.
describe("the gateway's tools over the WebSocket protocol", () => {
  let client: ProxiedGatewayClient;
  const invoke = async (params: Record<string, unknown>) =>
    (await client.request("tools.invoke", params)) as { ok: boolean; payload?: any; error?: any };

  it("connects as the bridge does (operator scopes incl. admin)", async () => {
    await api(baseUrl, "PUT", ALPHA);
    // A gateway start takes 15 s on an idle machine and several times that on a busy one.
    const { final } = await waitForStatus(baseUrl, ALPHA, (s) => s.state === "ready" || s.state === "error", 170_000);
    expect(final.state).toBe("ready");
    client = await ProxiedGatewayClient.open(`${baseUrl.replace(/^http/, "ws")}${ALPHA}/gateway`);
    const hello = await client.connect(undefined, DEVICE_SCOPES);
    expect(hello.payload.features.methods).toEqual(expect.arrayContaining(["tools.catalog", "tools.invoke"]));
  }, 180_000);

  it("tools.catalog: grouped names and one-line descriptions, no input schemas", async () => {
    const res = await client.request("tools.catalog", {});
    expect(res.ok).toBe(true);
    const tools = res.payload.groups.flatMap((g: { tools: Record<string, unknown>[] }) => g.tools);
    expect(tools.map((t: { id: string }) => t.id)).toEqual(
      expect.arrayContaining(["exec", "write", "agents_list", "sessions_list"]),
    );
    for (const tool of tools) {
      expect(tool).toMatchObject({
        id: expect.any(String),
        label: expect.any(String),
        description: expect.any(String),
        source: expect.any(String),
      });
      expect(Object.keys(tool).some((k) => /schema|param|input/i.test(k))).toBe(false);
    }
  });

  it("tools.invoke: the output in an ok:true payload", async () => {
    const res = await invoke({ name: "agents_list", args: {}, idempotencyKey: "probe-1" });
    expect(res.ok).toBe(true);
    expect(res.payload).toMatchObject({
      ok: true,
      toolName: "agents_list",
      output: { content: [{ type: "text", text: expect.stringContaining('"id": "main"') }] },
      source: "core",
    });
  });

  it("tools.invoke: refusals come back as ok:false inside a successful response; the HTTP deny list applies", async () => {
    for (const name of ["exec", "apply_patch", "sessions_send", "gateway", "no_such_tool"]) {
      const res = await invoke({ name, args: {} });
      expect(res.ok, name).toBe(true);
      expect(res.payload, name).toMatchObject({
        ok: false,
        error: { code: "not_found", message: expect.stringContaining("Tool not available") },
      });
    }
    // Only malformed params fail the response itself (the params schema is closed).
    const bad = await invoke({ name: "agents_list", extra: 1 });
    expect(bad).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
  });

  it("tools.invoke: the same idempotencyKey runs the tool again (no dedupe)", async () => {
    const first = await invoke({ name: "session_status", args: {}, idempotencyKey: "same-key" });
    expect(first.payload.ok).toBe(true);
    // A fresh status each time (its uptime line moves, a second at a time): calls with the
    // same key run again, so one of them soon answers differently; replayed, none ever would.
    const text = (res: typeof first) => res.payload.output.content[0].text as string;
    await vi.waitFor(
      async () => {
        const again = await invoke({ name: "session_status", args: {}, idempotencyKey: "same-key" });
        expect(again.payload.ok).toBe(true);
        expect(text(again), "a later call's status, run again").not.toBe(text(first));
      },
      { timeout: 10_000, interval: 200 },
    );
    client.close();
  });
});
