// Wires the runtime together: process host, backups, HTTP API and WebSocket proxy.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { BackupStore } from "./backup";
import { REPO_ROOT, type RuntimeConfig } from "./config";
import { errorEnvelope } from "../../shared/runtime/envelope";
import { runtimeError } from "./errors";
import { createApiHandler } from "./http-api";
import { checkTenantCanRun, gatewaySources, prepareGatewayFiles } from "./gateway-files";
import { secureDataDir } from "./instance-access";
import { closeLocalSecrets } from "./local-secrets";
import { ModelCredentials } from "./model-credentials";
import { ModelPassthrough } from "./model-passthrough";
import { ModelTraces } from "./model-traces";
import { ProcessHost } from "./process-host";
import { SpendPolicy } from "./spend-policy";
import { isolationMode, TenantUsers } from "./tenant-users";
import { UsageLedger } from "./usage-ledger";
import { GatewayProxy } from "./ws-proxy";

export type Logger = (message: string, fields?: Record<string, unknown>) => void;

export interface Runtime {
  config: RuntimeConfig;
  /** Where gateways run from: a prepared copy (as root) or undefined (the installed files). */
  gatewayFilesDir: string | undefined;
  host: ProcessHost;
  proxy: GatewayProxy;
  server: Server;
  /** Absent without a configured model. */
  passthrough: ModelPassthrough | undefined;
  ledger: UsageLedger;
  /** Whether each workspace's gateways may spend, as the Autopilot room last said. */
  spend: SpendPolicy;
  /** Listens on config.host:config.port; resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops accepting requests, closes proxied sockets and stops every gateway. */
  close(): Promise<void>;
}

export function createRuntime(config: RuntimeConfig, log: Logger = () => {}): Runtime {
  const separateUsers = isolationMode() === "separate-users";
  const closed = closeLocalSecrets(REPO_ROOT, config.dataDir);
  if (closed.length) log("closed local secrets to other users", { paths: closed });
  secureDataDir(config.dataDir, separateUsers, REPO_ROOT);
  const files = separateUsers
    ? prepareGatewayFiles(config.gatewayFilesDir, gatewaySources(config.openclawEntry))
    : undefined;
  if (files) checkTenantCanRun(files, join(config.dataDir, "instances"));
  const ledger = new UsageLedger(join(config.dataDir, "usage"));
  const spend = new SpendPolicy(join(config.dataDir, "spend"));
  // The operator's key stays in this process: gateways get the pass-through and a credential of their own.
  const passthrough = config.model
    ? new ModelPassthrough({
        upstream: config.model,
        credentials: new ModelCredentials(),
        ledger,
        spend,
        ...(config.traces ? { traces: new ModelTraces(config.traces, log) } : {}),
        log,
      })
    : undefined;
  const users = separateUsers ? new TenantUsers(join(config.dataDir, "tenant-users.json")) : undefined;
  const host = new ProcessHost(config, new BackupStore(config.dataDir), log, {
    ...(users ? { users } : {}),
    ...(passthrough ? { models: passthrough } : {}),
    ...(files ? { files } : {}),
  });
  const auth = { serviceToken: config.serviceToken, tenantKeys: config.tenantKeys };
  const proxy = new GatewayProxy(host, auth, log);
  const handle = createApiHandler(
    host,
    auth,
    { model: config.model ? { id: config.model.modelId, baseUrl: config.model.baseUrl } : null },
    log,
    ledger,
    spend,
  );
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log("request failed", { method: req.method, url: req.url, error: (error as Error).message });
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(errorEnvelope(runtimeError("internal", "internal error"))));
      } else res.destroy();
    });
  });
  server.on("upgrade", proxy.handleUpgrade);

  return {
    config,
    gatewayFilesDir: files?.dir,
    host,
    proxy,
    server,
    passthrough,
    ledger,
    spend,
    listen: async () => {
      await passthrough?.listen();
      return new Promise((resolveUrl, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => {
          const { port } = server.address() as AddressInfo;
          resolveUrl(`http://${config.host}:${port}`);
        });
      });
    },
    close: async () => {
      const closed = new Promise<void>((resolveClosed) => server.close(() => resolveClosed()));
      proxy.closeAll();
      server.closeAllConnections();
      await host.shutdown();
      await passthrough?.close();
      await closed;
    },
  };
}
