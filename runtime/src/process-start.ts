// The shared start sequence (gateway-start.ts) on the local machine: files in the instance
// directory, a child process, a loopback port polled until it opens.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import type { InstanceState, Phase } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import type { BackupStore } from "./backup";
import type { RuntimeConfig } from "./config";
import { MAX_CARRIED_CONFIG_BYTES } from "./gateway-config";
import { isAlive } from "./gateway-process";
import { probeGateway } from "./gateway-probe";
import { StartFailure, startTimedOut, type GatewayStartAdapter, type StartRecord } from "./gateway-start";
import { refKey } from "./ids";
import { handOver, openWorkspaceDir } from "./instance-access";
import {
  instancePaths,
  prepareInstanceDir,
  readOrCreateGatewayToken,
  readPlainFile,
  writeFreshFile,
} from "./instance-dir";
import type { ModelProviderConfig } from "./model-config";
import { isPortOpen } from "./ports";
import type { TenantUser } from "./tenant-users";

/** What a start reads and writes of the process host's instance record. */
export interface ProcessStartRecord extends StartRecord {
  ref: InstanceRef;
  dir: string;
  port: number | undefined;
  token: string | undefined;
  child: ChildProcess | undefined;
  /** Bumped by every start, stop and delete: a start of an older generation gives up. */
  generation: number;
  deleted: boolean;
  recentOutput: string[];
  /** Set by a restore: the next start replaces the state with this backup, then clears it. */
  restoreChoice?: { name: string; path: string } | undefined;
  /** The instance's own OS user, or undefined when gateways run as the runtime's user (not root). */
  user: TenantUser | undefined;
}

export interface ProcessStartDeps {
  record: ProcessStartRecord;
  /** The generation this start runs as. */
  generation: number;
  config: Pick<RuntimeConfig, "startTimeoutMs">;
  /** The model this start's gateway is given (the pass-through with a fresh credential), or undefined without a model. */
  gatewayModel: () => ModelProviderConfig | undefined;
  backups: Pick<BackupStore, "latest" | "restore">;
  log: (message: string, fields?: Record<string, unknown>) => void;
  enter: (state: InstanceState, phase: Phase) => void;
  choosePort: () => Promise<number>;
  spawn: (port: number, token: string, env: Record<string, string>) => ChildProcess;
}

export function processStartAdapter(deps: ProcessStartDeps): GatewayStartAdapter {
  const { record, generation } = deps;
  let child: ChildProcess | undefined;
  const adapter: GatewayStartAdapter = {
    record,
    instance: refKey(record.ref),
    startTimeoutMs: deps.config.startTimeoutMs,
    log: deps.log,
    enter: deps.enter,
    // A crashed child is reported by its exit handler; the start just stops.
    stillWanted: () => record.generation === generation && !record.deleted && (child === undefined || isAlive(child)),
    // A chosen backup (restore) first; else restore-on-start: no instance directory but a
    // backup → start from the latest backup.
    backupToRestore: async () =>
      record.restoreChoice ?? (existsSync(record.dir) ? undefined : deps.backups.latest(record.ref)),
    restore: async (backup) => {
      const restored = await deps.backups.restore(backup.path, record.dir);
      if (record.restoreChoice === backup) record.restoreChoice = undefined;
      if (!restored.ok) throw new StartFailure(restored.error);
    },
    prepare: async () => {
      openWorkspaceDir(record.dir, record.user !== undefined);
      const paths = prepareInstanceDir(record.dir);
      record.token = readOrCreateGatewayToken(record.dir);
      record.port = await deps.choosePort();
      return { token: record.token, port: record.port, paths, model: deps.gatewayModel() };
    },
    writeConfig: async (prepared, text) => writeFreshFile(prepared.paths.config, text),
    readConfig: async (prepared) => readPlainFile(prepared.paths.config, MAX_CARRIED_CONFIG_BYTES),
    startProcess: async (prepared, env) => {
      // Last step before the process: everything the runtime wrote (and a restored backup)
      // becomes the instance user's.
      if (record.user) await handOver(record.dir, record.user);
      child = deps.spawn(prepared.port, prepared.token, { ...env, TMPDIR: instancePaths(record.dir).tmp });
      deps.log("gateway started", { instance: refKey(record.ref), pid: child.pid, port: prepared.port });
    },
    waitForPort: async (prepared, deadline) => {
      while (!(await isPortOpen(prepared.port, 500))) {
        if (!adapter.stillWanted()) return;
        if (Date.now() > deadline) throw startTimedOut(adapter, "the gateway port did not open");
        await delay(250);
      }
    },
    probe: (prepared, timeoutMs) => probeGateway(prepared.port, prepared.token, timeoutMs),
    timeoutDetails: () => ({ recentOutput: record.recentOutput.slice(-10) }),
  };
  return adapter;
}
