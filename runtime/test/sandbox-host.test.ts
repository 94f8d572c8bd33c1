// The sandbox host (runtime/sandbox) with the @cloudflare/sandbox SDK and R2 faked at their
// boundary: a fake `getSandbox` whose sandboxes record every call and emulate just enough of
// a container (files, `test -d`, tar as JSON, a gateway that speaks the connect handshake),
// and an in-memory bucket. The instance records are the real registry logic over a Map in
// place of the Durable Object's KV storage. Everything else — the API handler, the start
// sequence, the gateway config writer, the handshake, the frame rewriting — is the real code.
import { describe, expect, it, vi } from "vitest";
import {
  CONTAINER_PATHS,
  GATEWAY_COMMAND,
  GATEWAY_PORT,
  GATEWAY_PROCESS_ID,
  sandboxId,
} from "../sandbox/sandbox-boundary";
import { mapSandboxError } from "../sandbox/sandbox-errors";
import { MAX_CARRIED_CONFIG_BYTES } from "../src/gateway-config";

import { MODEL_EGRESS_BASE_URL } from "../sandbox/model-egress";
import {
  SERVICE_TOKEN,
  REF,
  CONTAINERS_DISABLED,
  encodeArchive,
  MODEL,
  setup,
  path,
  body,
  containerContents,
  gatewayEnv,
} from "./sandbox-fakes";
import { phaseNames, START_PHASES } from "./start-phases";

describe("sandbox ids", () => {
  it("are lower-case, deterministic, DNS-safe and at most 63 characters", async () => {
    const id = await sandboxId(REF);
    expect(id).toBe(await sandboxId({ ...REF }));
    expect(id).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
    expect(id.length).toBeLessThanOrEqual(63);
    const long = await sandboxId({ workspaceId: "W".repeat(64), instanceId: "x".repeat(48) });
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toBe(long.toLowerCase());
  });
  it("never collide between workspaces, even ones that differ only in case", async () => {
    const ids = await Promise.all([
      sandboxId({ workspaceId: "Ab", instanceId: "main" }),
      sandboxId({ workspaceId: "ab", instanceId: "main" }),
      sandboxId({ workspaceId: "aB", instanceId: "main" }),
      sandboxId({ workspaceId: "ab", instanceId: "main2" }),
      // The separator cannot be forged: "a" + "b-main" vs "a-b" + "main".
      sandboxId({ workspaceId: "a", instanceId: "b-main" }),
      sandboxId({ workspaceId: "a-b", instanceId: "main" }),
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("sandbox host: provision", () => {
  it("opens the instance's sandbox, writes the gateway config and starts the pinned gateway", async () => {
    const { sdk, api, bucket, stored } = setup();
    const answer = await api("PUT", path(REF));
    expect(answer.status).toBe(202);
    const status = body(answer).data;
    expect(status).toMatchObject({
      workspaceId: REF.workspaceId,
      instanceId: REF.instanceId,
      state: "ready",
      phase: "ready",
      progress: 100,
      port: GATEWAY_PORT,
      gatewayVersion: "2026.9.6",
      error: null,
    });
    expect(phaseNames(status)).toEqual(START_PHASES);

    const id = await sandboxId(REF);
    expect(sdk.opened.every((o) => o.id === id && o.options.normalizeId === true && o.options.keepAlive === true)).toBe(
      true,
    );
    const sandbox = sdk.sandboxes.get(id)!;
    const token = sandbox.text(CONTAINER_PATHS.tokenFile)!.trim();
    expect(token.length).toBeGreaterThanOrEqual(32);

    const config = JSON.parse(sandbox.text(CONTAINER_PATHS.config)!);
    expect(config.gateway).toEqual({
      mode: "local",
      port: GATEWAY_PORT,
      bind: "loopback",
      auth: { mode: "token", token },
      trustedProxies: ["127.0.0.1"],
      controlUi: { enabled: false },
    });
    expect(config.tools.exec.mode).toBe("ask");
    expect(config.agents.defaults.workspace).toBe(CONTAINER_PATHS.workspace);
    expect(config.agents.defaults.model.primary).toBe(`runtime/${MODEL.modelId}`);
    // The model is the Worker's pass-through (the container's outbound route), never the operator's endpoint.
    expect(config.models.providers.runtime.baseUrl).toBe(MODEL_EGRESS_BASE_URL);
    // The key is referenced, never written.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the gateway's own env reference syntax, written literally
    expect(config.models.providers.runtime.apiKey).toBe("${OPENCLAW_MODEL_API_KEY}");
    expect(JSON.stringify(config)).not.toContain(MODEL.apiKey);

    const start = sandbox.calls.filter((c) => c.method === "startProcess");
    expect(start).toHaveLength(1);
    const [command, options] = start[0]!.args as [
      string,
      { processId: string; env: Record<string, string>; cwd: string },
    ];
    expect(command).toBe(GATEWAY_COMMAND);
    expect(command).toBe("openclaw gateway run --port 18789 --bind loopback");
    expect(options.processId).toBe(GATEWAY_PROCESS_ID);
    expect(options.env).toMatchObject({
      HOME: CONTAINER_PATHS.home,
      OPENCLAW_HOME: CONTAINER_PATHS.home,
      OPENCLAW_STATE_DIR: CONTAINER_PATHS.state,
      OPENCLAW_CONFIG_PATH: CONTAINER_PATHS.config,
      OPENCLAW_NO_AUTO_UPDATE: "1",
      OPENCLAW_OFFLINE: "1",
    });
    // Channels load: the room configures them through the gateway (decision 38).
    expect(options.env).not.toHaveProperty("OPENCLAW_SKIP_CHANNELS");
    // A per-instance pass-through credential, not the operator's key.
    expect(options.env.OPENCLAW_MODEL_API_KEY).toMatch(/^oc-[\w-]{40,}$/);
    expect(JSON.stringify(options.env)).not.toContain(MODEL.apiKey);
    expect(JSON.stringify(options.env)).not.toContain(SERVICE_TOKEN);
    expect(sandbox.calls.find((c) => c.method === "waitForPort")?.args[0]).toBe(GATEWAY_PORT);
    // Readiness is a real connect handshake with the token.
    expect(sandbox.gatewayFrames.some((f) => JSON.parse(f).params?.auth?.token === token)).toBe(true);

    // Neither the status nor the stored record carries the token.
    expect(JSON.stringify(answer.body)).not.toContain(token);
    expect(JSON.stringify(stored(REF))).not.toContain(token);
    expect(bucket.keys()).toEqual([]);
  });

  it("a restart keeps the channels the gateway wrote, unless the gateway's file is over the size it may have", async () => {
    const { sdk, api } = setup();
    expect((await api("PUT", path(REF))).status).toBe(202);
    const sandbox = await sdk.sandboxFor(REF);
    const written = () => JSON.parse(sandbox.text(CONTAINER_PATHS.config)!) as { channels?: unknown };
    const gatewayWrote = (extra: string) => {
      const config = { ...written(), channels: { telegram: { botToken: "1:abc", dmPolicy: "pairing" } }, pad: extra };
      sandbox.files.set(CONTAINER_PATHS.config, { content: JSON.stringify(config), encoding: "utf-8" });
    };
    gatewayWrote("");
    expect((await api("POST", path(REF, "/restart"))).status).toBe(202);
    await vi.waitFor(() =>
      expect(written().channels).toEqual({ telegram: { botToken: "1:abc", dmPolicy: "pairing" } }),
    );
    const reads = () =>
      sandbox.calls.filter((c) => c.method === "readFile" && c.args[0] === CONTAINER_PATHS.config).length;
    const before = reads();
    gatewayWrote("x".repeat(MAX_CARRIED_CONFIG_BYTES));
    expect((await api("POST", path(REF, "/restart"))).status).toBe(202);
    await vi.waitFor(() => expect(written().channels).toBeUndefined());
    // Too large to carry: never read into the Worker at all.
    expect(reads()).toBe(before);
  });

  it("no container's environment or files ever hold the operator's model key: provision, restart, backup, restore", async () => {
    const { sdk, bucket, api } = setup();
    const other = { workspaceId: "w2", instanceId: "b" };
    expect((await api("PUT", path(REF))).status).toBe(202);
    expect((await api("PUT", path(other))).status).toBe(202);
    expect((await api("POST", path(REF, "/restart"))).status).toBe(202);
    const backup = body(await api("POST", path(REF, "/backups"))).data;
    expect((await api("POST", path(REF, `/restore?backup=${backup.name}`))).status).toBe(202);
    expect(sdk.sandboxes.size).toBe(2);
    const credentials = new Set<string>();
    for (const sandbox of sdk.sandboxes.values()) {
      expect(containerContents(sandbox)).not.toContain(MODEL.apiKey);
      expect(containerContents(sandbox)).not.toContain(MODEL.baseUrl);
      credentials.add(gatewayEnv(sandbox).OPENCLAW_MODEL_API_KEY!);
    }
    // Each instance has its own credential.
    expect(credentials.size).toBe(2);
    for (const key of bucket.keys())
      expect(new TextDecoder().decode(bucket.objects.get(key)!.bytes)).not.toContain(MODEL.apiKey);
  });

  it("writes no model provider when none is configured", async () => {
    const { sdk, host } = setup({ model: undefined });
    expect((await host.provision(REF)).ok).toBe(true);
    const sandbox = await sdk.sandboxFor(REF);
    const config = JSON.parse(sandbox.text(CONTAINER_PATHS.config)!);
    expect(config.models).toBeUndefined();
    const [, options] = sandbox.calls.find((c) => c.method === "startProcess")!.args as [
      string,
      { env: Record<string, string> },
    ];
    expect(options.env.OPENCLAW_MODEL_API_KEY).toBeUndefined();
  });

  it("is idempotent: a second PUT returns the running gateway without a second start", async () => {
    const { sdk, api } = setup();
    const first = await api("PUT", path(REF));
    const second = await api("PUT", path(REF));
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(body(second).data.state).toBe("ready");
    const sandbox = await sdk.sandboxFor(REF);
    expect(sandbox.count("startProcess")).toBe(1);
    expect(sandbox.count("writeFile")).toBe(2); // token + config, once
  });

  it("keeps one gateway per instance: two workspaces get two sandboxes", async () => {
    const { sdk, host } = setup();
    await host.provision({ workspaceId: "Ab", instanceId: "main" });
    await host.provision({ workspaceId: "ab", instanceId: "main" });
    expect(sdk.sandboxes.size).toBe(2);
    const tokens = [...sdk.sandboxes.values()].map((s) => s.text(CONTAINER_PATHS.tokenFile));
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it("restores from the latest R2 backup when the state dir is missing", async () => {
    const { sdk, bucket, host } = setup();
    const restoredToken = "restored-token-0123456789abcdef0123456789";
    await bucket.put(
      `${REF.workspaceId}/${REF.instanceId}/2026-01-01T00-00-00-000Z.tar.gz`,
      encodeArchive({ "state/old.txt": "old", "gateway-token": "old-token-0123456789abcdef0123456789abcd\n" }),
    );
    await bucket.put(
      `${REF.workspaceId}/${REF.instanceId}/2026-02-01T00-00-00-000Z.tar.gz`,
      encodeArchive({ "state/sessions.json": "{}", "gateway-token": `${restoredToken}\n` }),
    );
    // Another instance's backup under a longer id must not be taken for this one's.
    await bucket.put(
      `${REF.workspaceId}/${REF.instanceId}-2/2026-03-01T00-00-00-000Z.tar.gz`,
      encodeArchive({ "state/x": "x" }),
    );

    const provisioned = await host.provision(REF);
    expect(provisioned.ok).toBe(true);
    if (!provisioned.ok) return;
    expect(provisioned.value.status.restoredFrom).toBe("2026-02-01T00-00-00-000Z.tar.gz");
    expect(provisioned.value.status.phases.map((p) => p.phase)).toContain("restoring backup");
    const sandbox = await sdk.sandboxFor(REF);
    expect(sandbox.text(`${CONTAINER_PATHS.state}/sessions.json`)).toBe("{}");
    expect(sandbox.calls.some((c) => c.method === "exec" && String(c.args[0]).includes("tar -xzf"))).toBe(true);
    // The token comes back with the state: no new one is generated.
    expect(sandbox.text(CONTAINER_PATHS.tokenFile)!.trim()).toBe(restoredToken);
    expect(JSON.parse(sandbox.text(CONTAINER_PATHS.config)!).gateway.auth.token).toBe(restoredToken);
  });

  it("does not restore when the container still has its state", async () => {
    const { sdk, bucket, host } = setup();
    await bucket.put(
      `${REF.workspaceId}/${REF.instanceId}/2026-02-01T00-00-00-000Z.tar.gz`,
      encodeArchive({ "state/a": "a" }),
    );
    const sandbox = await sdk.sandboxFor(REF);
    sandbox.dirs.add(CONTAINER_PATHS.state);
    const provisioned = await host.provision(REF);
    expect(provisioned.ok && provisioned.value.status.restoredFrom).toBe(null);
    expect(sandbox.calls.some((c) => String(c.args[0]).includes("tar -xzf"))).toBe(false);
  });

  it("starts again when a previous start was interrupted (its request is gone)", async () => {
    const { sdk, kv, stored, host } = setup();
    await host.provision(REF);
    kv.put(`${REF.workspaceId}/${REF.instanceId}`, {
      ...stored(REF)!,
      state: "starting",
      phase: "waiting for port",
      startedAtMs: Date.now() - 10 * 60_000,
    });
    const sandbox = await sdk.sandboxFor(REF);
    sandbox.processes.delete(GATEWAY_PROCESS_ID);
    const again = await host.provision(REF);
    expect(again.ok && again.value).toMatchObject({ started: true, status: { state: "ready" } });
    expect(sandbox.count("startProcess")).toBe(2);
  });

  it("refuses a new gateway beyond the cap", async () => {
    const { api } = setup({ maxGateways: 1 });
    expect((await api("PUT", path({ workspaceId: "w1", instanceId: "a" }))).status).toBe(202);
    const refused = await api("PUT", path({ workspaceId: "w1", instanceId: "b" }));
    expect(refused.status).toBe(503);
    expect(body(refused).error.code).toBe("capacity_exceeded");
    const health = await api("GET", "/v1/health");
    expect(body(health).data).toMatchObject({
      status: "ok",
      host: "sandbox",
      gateways: { active: 1, max: 1 },
      model: { id: MODEL.modelId },
    });
  });
});

describe("sandbox host: SDK failures", () => {
  it('maps "Containers have not been enabled" to gateway_unavailable (502) and records it', async () => {
    const { sdk, api } = setup();
    sdk.failure = new Error(CONTAINERS_DISABLED);
    const answer = await api("PUT", path(REF));
    expect(answer.status).toBe(502);
    expect(body(answer).error).toMatchObject({
      code: "gateway_unavailable",
      retryable: false,
      details: { cause: "containers_not_enabled" },
    });
    const status = await api("GET", path(REF));
    expect(body(status).data).toMatchObject({
      state: "error",
      phase: "failed",
      error: { code: "gateway_unavailable" },
    });
  });

  it("maps other SDK errors to the closed set", () => {
    expect(
      mapSandboxError(
        Object.assign(new Error("x"), {
          name: "ContainerUnavailableError",
          reason: "container_starting",
          retryAfterMs: 1000,
        }),
        "internal",
        "op",
      ),
    ).toMatchObject({
      code: "gateway_unavailable",
      retryable: true,
    });
    expect(
      mapSandboxError(
        new Error("Maximum number of running container instances exceeded. Try again later"),
        "internal",
        "op",
      ).code,
    ).toBe("capacity_exceeded");
    expect(
      mapSandboxError(
        Object.assign(new Error("exited"), { name: "ProcessExitedBeforeReadyError", exitCode: 1 }),
        "internal",
        "op",
      ),
    ).toMatchObject({
      code: "gateway_failed",
      details: { exitCode: 1 },
    });
    expect(mapSandboxError(new Error("boom"), "backup_failed", "backup").code).toBe("backup_failed");
  });

  it("reports a gateway that died as gateway_failed, and restart brings it back with the same token", async () => {
    const { sdk, host, api } = setup();
    await host.provision(REF);
    const sandbox = await sdk.sandboxFor(REF);
    const token = sandbox.text(CONTAINER_PATHS.tokenFile);
    sandbox.processes.delete(GATEWAY_PROCESS_ID); // crashed
    const status = body(await api("GET", path(REF))).data;
    expect(status).toMatchObject({ state: "error", error: { code: "gateway_failed" } });
    expect((await api("GET", path(REF, "/gateway"))).status).toBe(400); // no Upgrade header
    const opened = await host.openGateway(REF);
    expect(!opened.ok && opened.error.code).toBe("not_ready");

    const restarted = await api("POST", path(REF, "/restart"));
    expect(restarted.status).toBe(202);
    expect(body(restarted).data).toMatchObject({ state: "ready", restarts: 1 });
    expect(sandbox.count("startProcess")).toBe(2);
    expect(sandbox.text(CONTAINER_PATHS.tokenFile)).toBe(token);
  });
});

describe("sandbox host: sleep and wake (decision 78)", () => {
  it("sleep snapshots the state to R2 and destroys the container; a provision wakes it from that snapshot, same token", async () => {
    const { sdk, bucket, api } = setup();
    await api("PUT", path(REF));
    const sandbox = await sdk.sandboxFor(REF);
    const token = sandbox.text(CONTAINER_PATHS.tokenFile);
    await sandbox.writeFile(`${CONTAINER_PATHS.state}/note.txt`, "before sleep");
    // Only a ready gateway sleeps; asleep already, the same answer.
    const asleep = await api("POST", path(REF, "/sleep"));
    expect(asleep.status).toBe(200);
    expect(body(asleep).data).toMatchObject({ state: "asleep", phase: "asleep" });
    expect(sandbox.destroyed).toBe(true);
    expect(sandbox.text(`${CONTAINER_PATHS.state}/note.txt`)).toBeUndefined();
    const kept = bucket.keys(`${REF.workspaceId}/${REF.instanceId}/`);
    expect(kept).toHaveLength(1);
    expect(body(await api("POST", path(REF, "/sleep"))).data).toMatchObject({ state: "asleep" });
    expect(bucket.keys(`${REF.workspaceId}/${REF.instanceId}/`)).toEqual(kept);
    // Asleep it is not active, and nothing asks the (destroyed) container for its process.
    expect(body(await api("GET", "/v1/health")).data.gateways.active).toBe(0);
    expect(body(await api("GET", path(REF))).data).toMatchObject({ state: "asleep", error: null });

    const woken = await api("PUT", path(REF));
    expect(woken.status).toBe(202);
    expect(body(woken).data).toMatchObject({ state: "ready", restoredFrom: kept[0]!.split("/").at(-1) });
    expect(sandbox.text(`${CONTAINER_PATHS.state}/note.txt`)).toBe("before sleep");
    expect(sandbox.text(CONTAINER_PATHS.tokenFile)).toBe(token);
    expect(sandbox.count("startProcess")).toBe(2);
  });

  it("a gateway that is not ready does not sleep", async () => {
    const { api } = setup();
    expect((await api("POST", path(REF, "/sleep"))).status).toBe(404);
  });
});

describe("sandbox host: backups and delete", () => {
  it("backs up into R2 under <workspace>/<instance>/<timestamp>.tar.gz and lists it", async () => {
    const { bucket, api } = setup();
    await api("PUT", path(REF));
    const created = await api("POST", path(REF, "/backups"));
    expect(created.status).toBe(201);
    const info = body(created).data;
    expect(info.name).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.tar\.gz$/);
    expect(info.path).toBeUndefined();
    expect(bucket.keys(`${REF.workspaceId}/`)).toEqual([`${REF.workspaceId}/${REF.instanceId}/${info.name}`]);
    const listed = body(await api("GET", path(REF, "/backups"))).data.backups;
    expect(listed).toEqual([{ name: info.name, sizeBytes: info.sizeBytes, createdAt: expect.any(String) }]);
  });

  it("restores a chosen backup over the running state, and retention keeps the newest", async () => {
    const { sdk, bucket, api } = setup();
    await api("PUT", path(REF));
    const sandbox = await sdk.sandboxFor(REF);
    const key = (stamp: string) => `${REF.workspaceId}/${REF.instanceId}/${stamp}.tar.gz`;
    const token = sandbox.text(CONTAINER_PATHS.tokenFile)!;
    await bucket.put(key("2026-01-01T00-00-00-000Z"), encodeArchive({ "state/note.txt": "A", "gateway-token": token }));
    await bucket.put(key("2026-02-01T00-00-00-000Z"), encodeArchive({ "state/note.txt": "B", "gateway-token": token }));
    await sandbox.writeFile(`${CONTAINER_PATHS.state}/note.txt`, "now");

    const restored = await api("POST", path(REF, "/restore?backup=2026-01-01T00-00-00-000Z.tar.gz"));
    expect(restored.status).toBe(202);
    expect(body(restored).data).toMatchObject({ state: "ready", restoredFrom: "2026-01-01T00-00-00-000Z.tar.gz" });
    expect(sandbox.text(`${CONTAINER_PATHS.state}/note.txt`)).toBe("A");
    expect((await api("POST", path(REF, "/restore?backup=2020-01-01T00-00-00-000Z.tar.gz"))).status).toBe(404);

    const created = await api("POST", path(REF, "/backups?keep=2"));
    expect(created.status).toBe(201);
    expect(body(created).data.pruned).toEqual(["2026-01-01T00-00-00-000Z.tar.gz"]);
    expect(bucket.keys(`${REF.workspaceId}/${REF.instanceId}/`)).toEqual([
      key("2026-02-01T00-00-00-000Z"),
      key(body(created).data.name.replace(/\.tar\.gz$/, "")),
    ]);
  });

  it("delete stops the gateway, destroys the sandbox and removes records and backups", async () => {
    const { sdk, bucket, api } = setup();
    await api("PUT", path(REF));
    await api("POST", path(REF, "/backups"));
    const sandbox = await sdk.sandboxFor(REF);
    const deleted = await api("DELETE", path(REF));
    expect(deleted.status).toBe(200);
    expect(body(deleted).data).toEqual({ deleted: true, mode: "remove", archive: null });
    expect(sandbox.count("killProcess")).toBe(1);
    expect(sandbox.destroyed).toBe(true);
    expect(bucket.keys()).toEqual([]);
    expect((await api("GET", path(REF))).status).toBe(404);
    expect((await api("DELETE", path(REF))).status).toBe(404);
  });

  it('delete in "archive" mode keeps a final backup and the earlier ones under _archive/', async () => {
    const { sdk, bucket, api } = setup({ deleteMode: "archive" });
    await api("PUT", path(REF));
    await api("POST", path(REF, "/backups"));
    const deleted = body(await api("DELETE", path(REF))).data;
    expect(deleted.mode).toBe("archive");
    expect(deleted.archive.name).toMatch(/\.tar\.gz$/);
    expect((await sdk.sandboxFor(REF)).destroyed).toBe(true);
    const keys = bucket.keys();
    expect(keys.every((k) => k.startsWith(`_archive/${REF.workspaceId}/${REF.instanceId}/`))).toBe(true);
    expect(keys).toHaveLength(2);
  });

  it("lists a workspace's instances only", async () => {
    const { api } = setup();
    await api("PUT", path({ workspaceId: "w1", instanceId: "a" }));
    await api("PUT", path({ workspaceId: "w1", instanceId: "b" }));
    await api("PUT", path({ workspaceId: "w2", instanceId: "a" }));
    const listed = body(await api("GET", "/v1/workspaces/w1/instances")).data.instances;
    expect(listed.map((s: { instanceId: string }) => s.instanceId).sort()).toEqual(["a", "b"]);
  });
});
