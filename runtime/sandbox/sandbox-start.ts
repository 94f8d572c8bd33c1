// The shared start sequence (runtime/src/gateway-start.ts) inside an instance's container:
// files written over the SDK, the gateway as a sandbox process (adopted when one already
// runs), the port awaited by the SDK, the handshake over `sandbox.wsConnect`. Each phase is
// saved to the registry; a save that loses to a newer write means another request took the
// instance over (a delete, a restart), and this start stops.
import type { InstanceState, Phase } from "../../shared/runtime/phases";
import { runtimeError } from "../src/errors";
import type { ProbeOutcome } from "../src/gateway-handshake";
import { StartFailure, type GatewayStartAdapter } from "../src/gateway-start";
import { MAX_CARRIED_CONFIG_BYTES } from "../src/gateway-config";
import type { ModelProviderConfig } from "../src/model-config";
import { refKey } from "../src/ids";
import type { SocketLike } from "./gateway-socket";
import type { InstanceRecord } from "./instance-records";
import { issueModelCredential, MODEL_EGRESS_BASE_URL, newModelCredential } from "./model-egress";
import type { ModelStoreLike } from "./model-records";
import {
  CONTAINER_PATHS,
  GATEWAY_COMMAND,
  GATEWAY_PORT,
  GATEWAY_PROCESS_ID,
  INSTANCE_DIR,
  isRunning,
  type BucketLike,
  type SandboxLike,
  type SandboxProcessLike,
} from "./sandbox-boundary";
import { listBackups, restoreInto } from "./sandbox-backups";
import { connectSocket, generateToken, hasState, readToken } from "./sandbox-container";

export interface SandboxStartDeps {
  record: InstanceRecord;
  sandbox: SandboxLike;
  bucket: BucketLike;
  config: { startTimeoutMs: number; model: ModelProviderConfig | undefined };
  /** Where the instance's model credential is issued (the registry). */
  models: ModelStoreLike;
  log: (message: string, fields?: Record<string, unknown>) => void;
  /** Moves the record and saves it; false when a newer write won. */
  enter: (state: InstanceState, phase: Phase) => Promise<boolean>;
  probe: (socket: SocketLike, token: string, timeoutMs: number) => Promise<ProbeOutcome>;
  /** A restore's chosen backup: replaces the state whatever is there. */
  restoreChoice?: { name: string; path: string } | undefined;
}

export function sandboxStartAdapter(deps: SandboxStartDeps): GatewayStartAdapter {
  const { record, sandbox } = deps;
  const ref = { workspaceId: record.workspaceId, instanceId: record.instanceId };
  let superseded = false;
  let proc: SandboxProcessLike | undefined;
  const p = CONTAINER_PATHS;
  return {
    record,
    instance: refKey(ref),
    startTimeoutMs: deps.config.startTimeoutMs,
    log: deps.log,
    enter: async (state, phase) => {
      if (!(await deps.enter(state, phase))) superseded = true;
    },
    stillWanted: () => !superseded,
    // A chosen backup (restore) first; else restore-on-start: no state directory but a
    // backup → start from the latest backup.
    backupToRestore: async () =>
      deps.restoreChoice ?? ((await hasState(sandbox)) ? undefined : (await listBackups(deps.bucket, ref)).at(-1)),
    restore: (backup) => restoreInto(sandbox, deps.bucket, backup),
    prepare: async () => {
      const prepared = await sandbox.exec(
        `mkdir -p ${p.home} ${p.state} ${p.workspace} ${p.logs} && chmod 700 ${INSTANCE_DIR}`,
      );
      if (prepared.exitCode !== 0)
        throw new StartFailure(
          runtimeError("gateway_failed", `could not prepare ${INSTANCE_DIR}: ${prepared.stderr.trim()}`),
        );
      let token = await readToken(sandbox);
      if (!token) {
        token = generateToken();
        await sandbox.writeFile(p.tokenFile, `${token}\n`);
      }
      // The gateway calls the model through the Worker's pass-through (model-egress.ts) with a
      // credential of its own: the operator's key never enters the container.
      const upstream = deps.config.model;
      const model = upstream && {
        baseUrl: MODEL_EGRESS_BASE_URL,
        apiKey: newModelCredential(),
        modelId: upstream.modelId,
        ...(upstream.offered ? { offered: upstream.offered } : {}),
      };
      return { token, port: GATEWAY_PORT, paths: p, model };
    },
    // The channels the gateway's operators set carry over a restart (decision 38).
    readConfig: async () => {
      try {
        // The gateway writes this file: its size is checked before it is read into the Worker.
        const size = await sandbox.exec(`stat -c %s ${p.config}`);
        if (size.exitCode !== 0 || Number(size.stdout.trim()) > MAX_CARRIED_CONFIG_BYTES) return undefined;
        return (await sandbox.readFile(p.config)).content;
      } catch {
        return undefined;
      }
    },
    writeConfig: async (_prepared, text) => {
      await sandbox.writeFile(p.config, text);
      await sandbox.exec(`chmod 600 ${p.config} ${p.tokenFile}`);
    },
    startProcess: async (prepared, env) => {
      // A gateway already running in this container (a PUT that raced us, or a record lost):
      // adopt it rather than start a second one under the same process id. It keeps the model
      // credential it was started with, so the new one is issued only for a new process.
      const running = await sandbox.getProcess(GATEWAY_PROCESS_ID);
      if (running && isRunning(running)) proc = running;
      else {
        if (prepared.model?.apiKey)
          await issueModelCredential(deps.models, { ...ref, sandboxId: record.sandboxId }, prepared.model.apiKey);
        proc = await sandbox.startProcess(GATEWAY_COMMAND, { processId: GATEWAY_PROCESS_ID, env, cwd: INSTANCE_DIR });
        deps.log("gateway started", { instance: refKey(ref), sandbox: record.sandboxId });
      }
    },
    waitForPort: async (_prepared, deadline) => {
      await proc?.waitForPort(GATEWAY_PORT, { mode: "tcp", timeout: Math.max(1, deadline - Date.now()) });
    },
    probe: async (prepared, timeoutMs) => deps.probe(await connectSocket(sandbox), prepared.token, timeoutMs),
  };
}
