// The one gateway start sequence of both hosts: restore a backup when the instance has no
// state, write the config, start the process, wait for its port, then for a real `connect`
// handshake, moving the record through its phases (and so its progress) on the way. What
// differs per host (files or container, child process or sandbox process, how a port is
// awaited, how a phase is published) is the small adapter below.
import type { RuntimeError } from "../../shared/runtime/errors";
import type { InstanceState, Phase } from "../../shared/runtime/phases";
import { durationWords } from "../../shared/plain-words";
import { runtimeError } from "./errors";
import {
  buildGatewayConfig,
  carryChannels,
  gatewayIsolationEnv,
  MODEL_API_KEY_ENV,
  type GatewayPaths,
} from "./gateway-config";
import type { ProbeOutcome } from "./gateway-handshake";
import type { PhaseTrack } from "./host";
import type { ModelProviderConfig } from "./model-config";

/** The fields of an instance record a start writes (both hosts' records have them). */
export interface StartRecord extends PhaseTrack {
  startedAtMs: number | null;
  readyAtMs: number | null;
  startupMs: number | null;
  restoredFrom: string | null;
  gatewayVersion: string | null;
}

/** The fields of an instance record that has never started (both hosts make records so). */
export function neverStarted(): Omit<StartRecord, keyof PhaseTrack> & {
  createdAt: string;
  restarts: number;
  version: number;
} {
  return {
    createdAt: new Date().toISOString(),
    startedAtMs: null,
    readyAtMs: null,
    startupMs: null,
    restarts: 0,
    restoredFrom: null,
    gatewayVersion: null,
    version: 0,
  };
}

/** Where the gateway's files are, for its config and isolation env. */
export interface PreparedInstance {
  token: string;
  port: number;
  /** The model as this gateway sees it: the operator's endpoint (sandbox host) or the runtime's pass-through with a per-instance credential (process host). */
  model: ModelProviderConfig | undefined;
  paths: GatewayPaths & { workspace: string; logs: string };
}

export interface GatewayStartAdapter {
  readonly record: StartRecord;
  /** `workspace/instance`, for log lines. */
  readonly instance: string;
  readonly startTimeoutMs: number;
  log(message: string, fields?: Record<string, unknown>): void;
  /** Moves the record to a state and phase and publishes it (version bump, save). */
  enter(state: InstanceState, phase: Phase): void | Promise<void>;
  /** False once this start is superseded (restart, delete, shutdown, the process died): the sequence then stops quietly. */
  stillWanted(): boolean;
  /** The backup to start from: only when the instance has no state and a backup exists. */
  backupToRestore(): Promise<{ name: string; path: string } | undefined>;
  /** Throws StartFailure when the archive cannot be restored. */
  restore(backup: { name: string; path: string }): Promise<void>;
  /** Directories, the gateway token (kept or created), the port and the model the gateway is given. */
  prepare(): Promise<PreparedInstance>;
  writeConfig(prepared: PreparedInstance, text: string): Promise<void>;
  /** The config the gateway ran with last (it may have changed it: channels), or undefined. */
  readConfig?(prepared: PreparedInstance): Promise<string | undefined>;
  /** Starts the gateway with these env variables (or adopts one already running). */
  startProcess(prepared: PreparedInstance, env: Record<string, string>): Promise<void>;
  /** Resolves once the port is open or the start is no longer wanted; throws StartFailure past the deadline. */
  waitForPort(prepared: PreparedInstance, deadline: number): Promise<void>;
  probe(prepared: PreparedInstance, timeoutMs: number): Promise<ProbeOutcome>;
  /** Extra details for a start that timed out (e.g. the gateway's last output lines). */
  timeoutDetails?(): Record<string, unknown>;
}

/** A start failure with the error the instance reports; the host stops the gateway and records it. */
export class StartFailure extends Error {
  constructor(readonly error: RuntimeError) {
    super(error.message);
  }
}

const PROBE_TIMEOUT_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The error of a start that ran past its deadline. */
export function startTimedOut(adapter: GatewayStartAdapter, what: string): StartFailure {
  const details = adapter.timeoutDetails?.();
  return new StartFailure(
    runtimeError("gateway_failed", `${what} within ${durationWords(adapter.startTimeoutMs)}`, {
      retryable: true,
      ...(details ? { details } : {}),
    }),
  );
}

/**
 * Runs a start to "ready", or to "superseded" when the adapter says it is no longer wanted.
 * Throws StartFailure (or whatever the adapter's SDK throws) when the start fails.
 */
export async function runGatewayStart(adapter: GatewayStartAdapter): Promise<"ready" | "superseded"> {
  const record = adapter.record;
  const deadline = Date.now() + adapter.startTimeoutMs;
  const phase = (next: Phase) => adapter.enter(record.state, next);

  const backup = await adapter.backupToRestore();
  if (backup) {
    await phase("restoring backup");
    await adapter.restore(backup);
    if (!adapter.stillWanted()) return "superseded";
    record.restoredFrom = backup.name;
    adapter.log("instance restored from backup", { instance: adapter.instance, backup: backup.name });
  }

  await phase("writing config");
  const prepared = await adapter.prepare();
  if (!adapter.stillWanted()) return "superseded";
  const built = buildGatewayConfig({
    port: prepared.port,
    token: prepared.token,
    workspaceDir: prepared.paths.workspace,
    logFile: `${prepared.paths.logs}/gateway.log`,
    model: prepared.model,
  });
  const config = carryChannels(built, await adapter.readConfig?.(prepared));
  await adapter.writeConfig(prepared, `${JSON.stringify(config, null, 2)}\n`);

  await adapter.enter("starting", "starting process");
  const env = gatewayIsolationEnv(prepared.paths);
  // Referenced as ${OPENCLAW_MODEL_API_KEY} by the config: never on disk, never in a backup.
  // Keyless local servers get a placeholder so the reference always resolves.
  if (prepared.model) env[MODEL_API_KEY_ENV] = prepared.model.apiKey ?? "none";
  await adapter.startProcess(prepared, env);

  await phase("waiting for port");
  await adapter.waitForPort(prepared, deadline);
  if (!adapter.stillWanted()) return "superseded";

  await phase("waiting for gateway handshake");
  for (;;) {
    if (!adapter.stillWanted()) return "superseded";
    if (Date.now() > deadline) throw startTimedOut(adapter, "the gateway did not complete a connect handshake");
    const outcome = await adapter.probe(prepared, PROBE_TIMEOUT_MS);
    if (!adapter.stillWanted()) return "superseded";
    if (outcome.kind === "ready") {
      record.gatewayVersion = outcome.serverVersion ?? null;
      record.readyAtMs = Date.now();
      record.startupMs = record.readyAtMs - (record.startedAtMs ?? record.readyAtMs);
      await adapter.enter("ready", "ready");
      adapter.log("gateway ready", { instance: adapter.instance, port: prepared.port, startupMs: record.startupMs });
      return "ready";
    }
    if (outcome.kind === "fatal")
      throw new StartFailure(
        runtimeError(
          "gateway_failed",
          `the gateway refused the runtime's connect: ${outcome.code}: ${outcome.message}`,
        ),
      );
    await sleep(Math.min(Math.max(outcome.afterMs, 200), 2_000));
  }
}
