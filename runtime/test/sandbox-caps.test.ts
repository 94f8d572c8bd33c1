// The sandbox host's gateway caps: the runtime-wide one and the per-workspace one, checked
// and claimed in one registry call (instance-records.ts) with the process host's rule and
// refusal (runtime/src/gateway-caps.ts). The SDK is faked at its boundary (sandbox-fakes.ts);
// the API handler, the host and the registry's record logic are the real code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { InstanceRef } from "../../shared/runtime/requests";
import { checkGatewayCaps, DEFAULT_MAX_GATEWAYS_PER_WORKSPACE } from "../src/gateway-caps";
import { GATEWAY_PROCESS_ID } from "../sandbox/sandbox-boundary";
import { loadSandboxConfig } from "../sandbox/sandbox-config";
import { body, path, SERVICE_TOKEN, setup } from "./sandbox-fakes";

const ref = (workspaceId: string, instanceId: string): InstanceRef => ({ workspaceId, instanceId });
const CAPS = { maxGateways: 10, maxGatewaysPerWorkspace: 2 };

/** What the process host answers for the same instances (it calls the same rule over its records). */
function processHostRefusal(workspaceId: string, running: InstanceRef[], caps = CAPS) {
  const checked = checkGatewayCaps(
    workspaceId,
    running.map((r) => ({ ref: r, state: "ready" as const })),
    caps,
  );
  if (checked.ok) throw new Error("the process host would not refuse");
  return checked.error;
}

describe("sandbox host: the per-workspace cap", () => {
  it("refuses a workspace at its cap with the process host's error, while another workspace still starts", async () => {
    const { api } = setup(CAPS);
    const [a, b, c] = [ref("w1", "a"), ref("w1", "b"), ref("w1", "c")];
    expect((await api("PUT", path(a))).status).toBe(202);
    expect((await api("PUT", path(b))).status).toBe(202);
    const refused = await api("PUT", path(c));
    expect(refused.status).toBe(503);
    expect(body(refused).error).toEqual(processHostRefusal("w1", [a, b]));
    expect(body(refused).error).toMatchObject({
      code: "capacity_exceeded",
      retryable: false,
      details: { scope: "workspace", maxGatewaysPerWorkspace: 2, activeInWorkspace: 2 },
    });
    // The refusal claimed nothing.
    expect((await api("GET", path(c))).status).toBe(404);
    expect((await api("PUT", path(ref("w2", "a")))).status).toBe(202);
    expect(body(await api("GET", "/v1/health")).data.gateways).toEqual({ active: 3, max: 10 });
  });

  it("a deleted instance and a gateway that is gone free their slots; restarting one that runs needs none", async () => {
    const { api, sdk } = setup(CAPS);
    const [a, b, c, d] = [ref("w1", "a"), ref("w1", "b"), ref("w1", "c"), ref("w1", "d")];
    await api("PUT", path(a));
    await api("PUT", path(b));
    // An instance that already holds a slot restarts at the cap, as on the process host.
    expect((await api("POST", path(b, "/restart"))).status).toBe(202);
    expect((await api("PUT", path(c))).status).toBe(503);
    expect((await api("DELETE", path(a))).status).toBe(200);
    expect((await api("PUT", path(c))).status).toBe(202);

    // A gateway that exited is in state error once its status is read: not active (ACTIVE_STATES).
    const sandbox = await sdk.sandboxFor(b);
    sandbox.processes.delete(GATEWAY_PROCESS_ID);
    expect(body(await api("GET", path(b))).data.state).toBe("error");
    expect((await api("PUT", path(d))).status).toBe(202);
    // Starting it again would make three: refused like the process host's restart of a stopped one.
    const restart = await api("POST", path(b, "/restart"));
    expect(restart.status).toBe(503);
    expect(body(restart).error).toEqual(processHostRefusal("w1", [c, d]));
    expect(sandbox.count("startProcess")).toBe(2);
    expect(body(await api("GET", path(b))).data.state).toBe("error");
  });

  it("parallel claims never pass a cap: the registry checks and claims in one step", async () => {
    const { api } = setup(CAPS);
    const refs = ["a", "b", "c", "d", "e"].map((id) => ref("w1", id));
    const answers = await Promise.all(refs.map((r) => api("PUT", path(r))));
    expect(answers.map((a) => a.status).sort()).toEqual([202, 202, 503, 503, 503]);
    for (const refused of answers.filter((a) => a.status === 503))
      expect(body(refused).error.details).toMatchObject({ scope: "workspace", activeInWorkspace: 2 });
    expect(body(await api("GET", "/v1/workspaces/w1/instances")).data.instances).toHaveLength(2);

    // The runtime-wide cap, across workspaces, the same way.
    const wide = setup({ maxGateways: 3, maxGatewaysPerWorkspace: 2 });
    const spread = await Promise.all(
      ["w1", "w2", "w3", "w4", "w5"].map((ws) => wide.api("PUT", path(ref(ws, "main")))),
    );
    expect(spread.map((a) => a.status).sort()).toEqual([202, 202, 202, 503, 503]);
    for (const refused of spread.filter((a) => a.status === 503))
      expect(body(refused).error).toEqual(
        processHostRefusal("w9", [ref("w1", "x"), ref("w2", "x"), ref("w3", "x")], {
          maxGateways: 3,
          maxGatewaysPerWorkspace: 2,
        }),
      );
    expect(body(await wide.api("GET", "/v1/health")).data.gateways).toEqual({ active: 3, max: 3 });
  });
});

describe("sandbox config: the per-workspace cap", () => {
  it("reads RUNTIME_MAX_GATEWAYS_PER_WORKSPACE like the process host, and wrangler.toml sets it", () => {
    const load = (value?: string) =>
      loadSandboxConfig({
        RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN,
        ...(value === undefined ? {} : { RUNTIME_MAX_GATEWAYS_PER_WORKSPACE: value }),
      });
    const fallback = load();
    expect(fallback.ok && fallback.value.maxGatewaysPerWorkspace).toBe(DEFAULT_MAX_GATEWAYS_PER_WORKSPACE);
    const three = load("3");
    expect(three.ok && three.value.maxGatewaysPerWorkspace).toBe(3);
    for (const bad of ["0", "-1", "1.5", "two"]) expect(load(bad).ok, bad).toBe(false);
    const toml = readFileSync(new URL("../sandbox/wrangler.toml", import.meta.url), "utf8");
    const set = /^RUNTIME_MAX_GATEWAYS_PER_WORKSPACE = "(\d+)"$/m.exec(toml);
    expect(set?.[1]).toBe(String(DEFAULT_MAX_GATEWAYS_PER_WORKSPACE));
  });
});
