// The runtime API as one Hono app over the contract in shared/runtime/: the process host's
// Node server (http-api.ts) and the sandbox host's Worker (runtime/sandbox/worker.ts) both
// serve it, so the two hosts expose the same routes, the same credential check (auth.ts), the same
// envelope and error codes. Paths and query are validated by @hono/zod-validator with the
// contract's schemas; every answer is one envelope with `cache-control: no-store`.
import { zValidator } from "@hono/zod-validator";
import { Hono, type Context } from "hono";
import { errorEnvelope, okEnvelope, statusFor } from "../../shared/runtime/envelope";
import type { RuntimeError } from "../../shared/runtime/errors";
import {
  BACKUP_QUERY_MESSAGE,
  backupQuerySchema,
  instanceParamsSchema,
  skillParamsSchema,
  MAX_WAIT_MS,
  restoreQuerySchema,
  ROUTE_METHODS,
  RUNTIME_API_VERSION,
  RUNTIME_ROUTES,
  STATUS_QUERY_MESSAGE,
  statusQuerySchema,
  workspaceParamsSchema,
  type InstanceRef,
  type RuntimeRoute,
} from "../../shared/runtime/requests";
import type { Health } from "../../shared/runtime/responses";
import { type SpendRequest, type SpendState, spendRequestSchema } from "../../shared/runtime/spend";
import { EMPTY_USAGE, type InstanceUsage, type ModelUsage } from "../../shared/runtime/usage";
import { authorize, type RuntimeAuth, runtimeAuthOf } from "./auth";
import { runtimeError, type Result } from "./errors";
import type { RuntimeHost } from "./host";
import { validateRef } from "./ids";

export interface HealthInfo {
  /** The model gateways are configured with, or null: then chat fails inside the gateway with "No route-compatible authentication source is configured for openai". */
  model: Health["model"];
}

type Logger = (message: string, fields?: Record<string, unknown>) => void;

export interface RuntimeApiOptions {
  serviceToken: string;
  /** Keys the rooms' tenant credentials are derived from (current, then a previous one during a rotation). */
  tenantKeys?: readonly string[];
  info: HealthInfo & { host: Health["host"] };
  log?: Logger;
  /**
   * Serves `GET …/:id/gateway` with `Upgrade: websocket` (the sandbox host's Worker). Without
   * it the route answers 400: the process host's Node server takes upgrades before the API.
   */
  upgrade?: (ref: InstanceRef, request: Request, route: "gateway" | "device") => Promise<Response>;
  /** Model usage per instance (counted by the host's model pass-through); without it the usage routes answer not_found. */
  usage?: {
    get(ref: InstanceRef): ModelUsage | undefined | Promise<ModelUsage | undefined>;
    list(workspaceId: string): InstanceUsage[] | Promise<InstanceUsage[]>;
  };
  /** Whether a workspace's gateways may spend (the model pass-through reads it); without it the spend routes answer not_found. */
  spend?: {
    get(workspaceId: string): SpendState | Promise<SpendState>;
    set(workspaceId: string, request: SpendRequest): SpendState | Promise<SpendState>;
  };
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

const reply = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
export const failResponse = (error: RuntimeError, headers: Record<string, string> = {}): Response =>
  reply(statusFor(error), errorEnvelope(error), headers);
const fromResult = <T>(result: Result<T>, okStatus = 200): Response =>
  result.ok ? reply(okStatus, okEnvelope(result.value)) : failResponse(result.error);

export const UNAUTHENTICATED = runtimeError(
  "unauthenticated",
  "missing or wrong service token (Authorization: Bearer <token>)",
);
/** A valid tenant credential, on a route under another workspace. */
export const OTHER_WORKSPACE = runtimeError("unauthenticated", "this credential is for another workspace");
const NOT_METERED = runtimeError("not_found", "this runtime does not meter model usage (it has no model pass-through)");
const NO_SPEND_POLICY = runtimeError("not_found", "this runtime keeps no spend policy (it has no model pass-through)");
const WEBSOCKET_ONLY = runtimeError(
  "not_found",
  "WebSocket upgrades are only served at /v1/workspaces/:ws/instances/:id/gateway and …/device",
);

const isUpgrade = (c: Context): boolean => c.req.header("upgrade")?.toLowerCase() === "websocket";

/** The first failed field of a path, as the runtime's invalid_request (details.field names it). */
const params = <S extends typeof instanceParamsSchema | typeof workspaceParamsSchema | typeof skillParamsSchema>(
  schema: S,
) =>
  zValidator("param", schema, (result) => {
    if (result.success) return;
    const issue = result.error.issues[0];
    return failResponse(
      runtimeError("invalid_request", issue?.message ?? "invalid path", {
        details: { field: String(issue?.path[0] ?? "") },
      }),
    );
  });

const statusQuery = zValidator("query", statusQuerySchema, (result) =>
  result.success ? undefined : failResponse(runtimeError("invalid_request", STATUS_QUERY_MESSAGE)),
);
const backupQuery = zValidator("query", backupQuerySchema, (result) =>
  result.success ? undefined : failResponse(runtimeError("invalid_request", BACKUP_QUERY_MESSAGE)),
);
/** The largest request body any route reads (the spend route's is a few dozen bytes). */
export const MAX_API_BODY_BYTES = 1024;
const BAD_SPEND_BODY = runtimeError(
  "invalid_request",
  'the body must be JSON: {"allowed": true} or {"allowed": false, "reason": "out_of_credits"}',
);

/** The spend route's body: bounded before it is read, parsed, then checked against the contract. */
async function spendRequestOf(c: Context): Promise<SpendRequest | null> {
  // Only a credential's holder gets here; the declared length still bounds what is read.
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > MAX_API_BODY_BYTES) return null;
  const text = await c.req.text();
  if (text.length > MAX_API_BODY_BYTES) return null;
  try {
    const parsed = spendRequestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
const restoreQuery = zValidator("query", restoreQuerySchema, (result) =>
  result.success
    ? undefined
    : failResponse(
        runtimeError("invalid_request", result.error.issues[0]?.message ?? "invalid backup name", {
          details: { field: "backup" },
        }),
      ),
);

export function createRuntimeApi(host: RuntimeHost, options: RuntimeApiOptions): Hono {
  const log = options.log ?? (() => {});
  const app = new Hono();

  app.onError((error, c) => {
    log("request failed", { method: c.req.method, path: c.req.path, error: error.message });
    return failResponse(runtimeError("internal", "internal error"));
  });
  app.notFound((c) => failResponse(runtimeError("not_found", `no route ${c.req.path}`)));

  // Authentication comes first, before the path is even looked at (upgrades too).
  app.use("*", async (c, next) => {
    const access = await authorize(c.req.header("authorization"), new URL(c.req.url).pathname, options);
    if (access !== "granted")
      return failResponse(access === "other_workspace" ? OTHER_WORKSPACE : UNAUTHENTICATED, {
        "www-authenticate": "Bearer",
      });
    if (options.upgrade && isUpgrade(c) && !c.req.path.endsWith("/gateway") && !c.req.path.endsWith("/device"))
      return failResponse(WEBSOCKET_ONLY);
    await next();
  });

  app.get(RUNTIME_ROUTES.health, async () => {
    const health: Health = {
      status: "ok",
      apiVersion: RUNTIME_API_VERSION,
      host: options.info.host,
      gateways: { active: await host.activeCount(), max: host.maxGateways },
      model: options.info.model,
    };
    return reply(200, okEnvelope(health));
  });

  app.get(RUNTIME_ROUTES.list, params(workspaceParamsSchema), async (c) =>
    reply(200, okEnvelope({ instances: await host.list(c.req.valid("param").workspaceId) })),
  );

  app.get(RUNTIME_ROUTES.instance, params(instanceParamsSchema), statusQuery, async (c) => {
    const ref = c.req.valid("param");
    const { waitMs, sinceVersion } = c.req.valid("query");
    if (waitMs !== undefined && sinceVersion !== undefined)
      return fromResult(await host.waitForChange(ref, sinceVersion, Math.min(waitMs, MAX_WAIT_MS)));
    return fromResult(await host.status(ref));
  });

  app.put(RUNTIME_ROUTES.instance, params(instanceParamsSchema), async (c) => {
    const outcome = await host.provision(c.req.valid("param"));
    if (!outcome.ok) return failResponse(outcome.error);
    return reply(outcome.value.started ? 202 : 200, okEnvelope(outcome.value.status));
  });

  app.delete(RUNTIME_ROUTES.instance, params(instanceParamsSchema), async (c) => {
    const deleted = await host.delete(c.req.valid("param"));
    if (!deleted.ok) return failResponse(deleted.error);
    const archive = deleted.value.archive && {
      name: deleted.value.archive.name,
      sizeBytes: deleted.value.archive.sizeBytes,
      createdAt: deleted.value.archive.createdAt,
    };
    return reply(200, okEnvelope({ ...deleted.value, archive }));
  });

  app.post(RUNTIME_ROUTES.restart, params(instanceParamsSchema), async (c) =>
    fromResult(await host.restart(c.req.valid("param")), 202),
  );

  app.post(RUNTIME_ROUTES.sleep, params(instanceParamsSchema), async (c) =>
    fromResult(await host.sleep(c.req.valid("param"))),
  );

  // The gateway token, for a credential's holder only (the Autopilot's device identity
  // signs over it). Every answer is already `cache-control: no-store`.
  app.get(RUNTIME_ROUTES.credentials, params(instanceParamsSchema), async (c) =>
    fromResult(await host.credentials(c.req.valid("param"))),
  );

  // Usage is kept after delete (billing): an instance the ledger knows answers even when gone.
  app.get(RUNTIME_ROUTES.usage, params(instanceParamsSchema), async (c) => {
    const ref = c.req.valid("param");
    if (!options.usage) return failResponse(NOT_METERED);
    const counted = await options.usage.get(ref);
    if (counted) return reply(200, okEnvelope({ ...ref, ...counted }));
    const status = await host.status(ref);
    return status.ok ? reply(200, okEnvelope({ ...ref, ...EMPTY_USAGE })) : failResponse(status.error);
  });
  app.get(RUNTIME_ROUTES.workspaceUsage, params(workspaceParamsSchema), async (c) =>
    options.usage
      ? reply(200, okEnvelope({ instances: await options.usage.list(c.req.valid("param").workspaceId) }))
      : failResponse(NOT_METERED),
  );

  // An installed skill's folder (the gateway cannot remove one): the slug is validated by its schema.
  app.delete(RUNTIME_ROUTES.skill, params(skillParamsSchema), async (c) => {
    const { slug, ...ref } = c.req.valid("param");
    return fromResult(await host.removeSkill(ref, slug));
  });

  // What the Autopilot room last said of the workspace's spending (it tells on every start).
  app.get(RUNTIME_ROUTES.spend, params(workspaceParamsSchema), async (c) => {
    const { workspaceId } = c.req.valid("param");
    if (!options.spend) return failResponse(NO_SPEND_POLICY);
    return reply(200, okEnvelope({ workspaceId, ...(await options.spend.get(workspaceId)) }));
  });
  app.put(RUNTIME_ROUTES.spend, params(workspaceParamsSchema), async (c) => {
    const { workspaceId } = c.req.valid("param");
    if (!options.spend) return failResponse(NO_SPEND_POLICY);
    const request = await spendRequestOf(c);
    if (!request) return failResponse(BAD_SPEND_BODY);
    return reply(200, okEnvelope({ workspaceId, ...(await options.spend.set(workspaceId, request)) }));
  });

  // `path` is where the host keeps the archive (a local path or an object key): internal.
  app.get(RUNTIME_ROUTES.backups, params(instanceParamsSchema), async (c) =>
    reply(
      200,
      okEnvelope({ backups: (await host.listBackups(c.req.valid("param"))).map(({ path: _path, ...info }) => info) }),
    ),
  );
  app.post(RUNTIME_ROUTES.backups, params(instanceParamsSchema), backupQuery, async (c) => {
    const ref = c.req.valid("param");
    const created = await host.backup(ref);
    if (!created.ok) return failResponse(created.error);
    const { path: _path, ...backup } = created.value;
    const { keep } = c.req.valid("query");
    const pruned = keep === undefined ? [] : await host.pruneBackups(ref, keep);
    return reply(201, okEnvelope({ ...backup, pruned }));
  });

  app.post(RUNTIME_ROUTES.restore, params(instanceParamsSchema), restoreQuery, async (c) =>
    fromResult(await host.restore(c.req.valid("param"), c.req.valid("query").backup), 202),
  );

  // The two sockets: the gateway's, and devices' and nodes' (the device entry: nothing is
  // injected; the process host's Node server serves this socket before the API (ws-proxy.ts),
  // the sandbox host's Worker here).
  for (const socket of ["gateway", "device"] as const)
    app.get(RUNTIME_ROUTES[socket], async (c) => {
      if (!options.upgrade || !isUpgrade(c))
        return failResponse(runtimeError("invalid_request", "this route is a WebSocket: send Upgrade: websocket"));
      const ref = validateRef(c.req.param("workspaceId"), c.req.param("instanceId"));
      if (!ref.ok) return failResponse(ref.error);
      return options.upgrade(ref.value, c.req.raw, socket);
    });

  // Registered last: a path that exists answers 405 for any method it has no handler for.
  for (const [route, methods] of Object.entries(ROUTE_METHODS) as [RuntimeRoute, readonly string[]][]) {
    app.all(RUNTIME_ROUTES[route], (c) =>
      failResponse(
        runtimeError("method_not_allowed", `${c.req.method} is not allowed here; use ${methods.join(", ")}`),
        { allow: methods.join(", ") },
      ),
    );
  }
  return app;
}

export interface ApiRequest {
  method: string;
  /** Path and query (or a full URL). */
  url: string;
  authorization: string | null | undefined;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** One request through the API as plain values (tests drive a host this way). */
export async function handleApiRequest(
  host: RuntimeHost,
  auth: string | RuntimeAuth,
  info: RuntimeApiOptions["info"],
  req: ApiRequest,
): Promise<ApiResponse> {
  const headers = new Headers();
  if (req.authorization) headers.set("authorization", req.authorization);
  const response = await createRuntimeApi(host, { ...runtimeAuthOf(auth), info }).fetch(
    new Request(new URL(req.url, "http://runtime.invalid"), { method: req.method, headers }),
  );
  return { status: response.status, body: await response.json(), headers: Object.fromEntries(response.headers) };
}
