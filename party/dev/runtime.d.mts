import type { ChildProcess } from "node:child_process";

export interface RunningRuntime {
  url: string;
  child: ChildProcess;
  stop(killAfterMs?: number): Promise<void>;
}
export function startRuntime(options: {
  port: number;
  serviceToken: string;
  /** Defaults to .dev.vars' RUNTIME_TENANT_KEY (what wrangler dev gives the Worker). */
  tenantKey?: string;
  dataDir?: string;
  env?: Record<string, string | undefined>;
  log?: (line: string, stream: "stdout" | "stderr") => void;
  launcher?: string[];
}): Promise<RunningRuntime>;
