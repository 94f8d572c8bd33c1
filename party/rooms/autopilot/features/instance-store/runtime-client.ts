import { z } from "zod";
import { envelopeSchema, type Envelope } from "../../../../../shared/runtime/envelope";
import { DEVICE_ADDRESS_HEADER, instancePath, skillPath, workspacePath } from "../../../../../shared/runtime/requests";
import {
  backupCreatedSchema,
  backupListSchema,
  credentialsSchema,
  deleteOutcomeSchema,
  healthSchema,
  skillRemovedSchema,
  type Backup,
  type BackupCreated,
  type DeleteOutcome,
  type GatewayCredentials,
  type Health,
  type SkillRemoved,
} from "../../../../../shared/runtime/responses";
import { instanceStatusSchema, type InstanceStatus } from "../../../../../shared/runtime/status";
import { type SpendRequest, type WorkspaceSpend, workspaceSpendSchema } from "../../../../../shared/runtime/spend";
import { tenantCredential } from "../../../../../shared/runtime/tenant";
import { instanceUsageSchema, type InstanceUsage } from "../../../../../shared/runtime/usage";
import { RoomError } from "../../../../domain/errors";

/** The runtime the Worker's vars name (RUNTIME_URL, RUNTIME_TENANT_KEY), or null when none is configured. */
export function runtimeFromEnv(env: {
  RUNTIME_URL?: string | undefined;
  RUNTIME_TENANT_KEY?: string | undefined;
}): RuntimeClient | null {
  return env.RUNTIME_URL && env.RUNTIME_TENANT_KEY ? new RuntimeClient(env.RUNTIME_URL, env.RUNTIME_TENANT_KEY) : null;
}

/** What the Autopilot reads of a runtime instance status (the token is never part of it). */
export type RuntimeInstanceStatus = InstanceStatus;

const statusEnvelope = envelopeSchema(instanceStatusSchema);
const backupEnvelope = envelopeSchema(backupCreatedSchema);
const backupListEnvelope = envelopeSchema(backupListSchema);
const healthEnvelope = envelopeSchema(healthSchema);
const credentialsEnvelope = envelopeSchema(credentialsSchema);
const deleteEnvelope = envelopeSchema(deleteOutcomeSchema);
const usageEnvelope = envelopeSchema(instanceUsageSchema);
const spendEnvelope = envelopeSchema(workspaceSpendSchema);
const skillRemovedEnvelope = envelopeSchema(skillRemovedSchema);
/** Error answers of any route, and of a refused gateway upgrade. */
const anyEnvelope = envelopeSchema(z.unknown());

/**
 * The OpenClaw runtime's HTTP API as the Autopilot uses it (a credential per workspace,
 * envelope responses, shared/runtime/ contract). Each call carries the credential derived from
 * the tenant key for the workspace it is about (shared/runtime/tenant.ts): the key itself never
 * leaves this Worker, and the runtime refuses a workspace's credential on another's routes. The same surface serves the local process host and
 * the production sandbox host, so this client is all the room needs to know about either.
 * Every answer is validated before use: the runtime is a remote service.
 */
export class RuntimeClient {
  readonly #credentials = new Map<string, Promise<string>>();

  constructor(
    private readonly baseUrl: string,
    private readonly tenantKey: string,
  ) {}

  /** The bearer of workspace `ws`'s calls (derived once per client). */
  #credential(ws: string): Promise<string> {
    let credential = this.#credentials.get(ws);
    if (!credential) {
      credential = tenantCredential(this.tenantKey, ws);
      this.#credentials.set(ws, credential);
    }
    return credential;
  }

  async #call<T>(
    schema: z.ZodType<Envelope<T>>,
    method: string,
    ws: string,
    path: string,
    signal?: AbortSignal,
    payload?: unknown,
  ): Promise<T> {
    let response: Response;
    const credential = await this.#credential(ws);
    try {
      response = await fetch(`${this.baseUrl.replace(/\/$/, "")}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${credential}`,
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      // The cause (with the runtime's internal address) goes to the log, not to clients.
      console.warn(JSON.stringify({ msg: "runtime request failed", method, path, error: String(error) }));
      throw new RoomError("unavailable", "the OpenClaw runtime is unreachable");
    }
    const json: unknown = await response.json().catch(() => null);
    if (json === null)
      throw new RoomError("unavailable", `the OpenClaw runtime answered ${response.status} without a body`);
    const body = schema.safeParse(json);
    if (!body.success) {
      console.warn(
        JSON.stringify({
          msg: "runtime answer does not match the contract",
          method,
          path,
          status: response.status,
          issues: body.error.issues.slice(0, 3),
        }),
      );
      throw new RoomError("unavailable", `the OpenClaw runtime answered ${response.status} with an unexpected body`);
    }
    if (!body.data.ok)
      throw new RoomError(
        body.data.error.code === "capacity_exceeded" || body.data.error.code === "conflict"
          ? "conflict"
          : "unavailable",
        body.data.error.message,
        {
          runtimeCode: body.data.error.code,
        },
      );
    return body.data.data;
  }

  provision(ws: string, id: string): Promise<RuntimeInstanceStatus> {
    return this.#call(statusEnvelope, "PUT", ws, instancePath(ws, id));
  }

  /** Long-polls: answers when the status changed after `sinceVersion`, or after `waitMs`. */
  status(
    ws: string,
    id: string,
    sinceVersion: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<RuntimeInstanceStatus> {
    return this.#call(
      statusEnvelope,
      "GET",
      ws,
      `${instancePath(ws, id)}?sinceVersion=${sinceVersion}&waitMs=${waitMs}`,
      signal,
    );
  }

  /** Puts the gateway to sleep (decision 78); a provision wakes it. */
  sleep(ws: string, id: string): Promise<RuntimeInstanceStatus> {
    return this.#call(statusEnvelope, "POST", ws, instancePath(ws, id, "sleep"));
  }

  restart(ws: string, id: string): Promise<RuntimeInstanceStatus> {
    return this.#call(statusEnvelope, "POST", ws, instancePath(ws, id, "restart"));
  }

  /** With `keep`, the runtime then removes all but the newest `keep` backups (retention). */
  backup(ws: string, id: string, keep?: number): Promise<BackupCreated> {
    return this.#call(
      backupEnvelope,
      "POST",
      ws,
      `${instancePath(ws, id, "backups")}${keep === undefined ? "" : `?keep=${keep}`}`,
    );
  }

  /** Oldest first. */
  async listBackups(ws: string, id: string): Promise<Backup[]> {
    return (await this.#call(backupListEnvelope, "GET", ws, instancePath(ws, id, "backups"))).backups;
  }

  /** Restarts the gateway from the named backup; follow its phases with `status`. */
  restore(ws: string, id: string, backupName: string): Promise<RuntimeInstanceStatus> {
    return this.#call(
      statusEnvelope,
      "POST",
      ws,
      `${instancePath(ws, id, "restore")}?backup=${encodeURIComponent(backupName)}`,
    );
  }

  /** The runtime's host, gateway count and the model gateways are configured with (asked with `ws`'s credential). */
  health(ws: string): Promise<Health> {
    return this.#call(healthEnvelope, "GET", ws, "/v1/health");
  }

  /** Removes a skill's folder from the instance's agent workspace (the gateway has no method for it). */
  removeSkill(ws: string, id: string, slug: string): Promise<SkillRemoved> {
    return this.#call(skillRemovedEnvelope, "DELETE", ws, skillPath(ws, id, slug));
  }

  /** The instance's status now (no long poll). */
  current(ws: string, id: string): Promise<RuntimeInstanceStatus> {
    return this.#call(statusEnvelope, "GET", ws, instancePath(ws, id));
  }

  /** The gateway token, for the bridge's device proof. Server to server only: never forwarded to a client. */
  credentials(ws: string, id: string): Promise<GatewayCredentials> {
    return this.#call(credentialsEnvelope, "GET", ws, instancePath(ws, id, "credentials"));
  }

  /** Model tokens the instance's gateway spent (process host; billing). The sandbox host answers not_found. */
  usage(ws: string, id: string): Promise<InstanceUsage> {
    return this.#call(usageEnvelope, "GET", ws, instancePath(ws, id, "usage"));
  }

  /** Whether the workspace's gateways may spend on the model: the pass-through refuses them with 402 while not. */
  setSpend(ws: string, request: SpendRequest): Promise<WorkspaceSpend> {
    return this.#call(spendEnvelope, "PUT", ws, workspacePath(ws, "spend"), undefined, request);
  }

  /** A WebSocket to the instance's gateway through the runtime's proxy (not yet accepted). */
  openGateway(ws: string, id: string): Promise<WebSocket> {
    return this.openSocket(ws, id, "gateway");
  }

  /**
   * A WebSocket through the runtime (not yet accepted): `gateway` (the bridge: the runtime adds
   * the gateway token) or `device` (the device entry: it adds nothing). Only our own headers go.
   */
  async openSocket(
    ws: string,
    id: string,
    route: "gateway" | "device",
    deviceAddress?: string | null,
  ): Promise<WebSocket> {
    let response: Response;
    // A device's address as Cloudflare saw it: the runtime passes it on only when it is public.
    const headers: Record<string, string> = {
      upgrade: "websocket",
      authorization: `Bearer ${await this.#credential(ws)}`,
    };
    if (route === "device" && deviceAddress) headers[DEVICE_ADDRESS_HEADER] = deviceAddress.slice(0, 64);
    try {
      // workerd opens outbound WebSockets with fetch + Upgrade (an http: URL, not ws:).
      response = await fetch(`${this.baseUrl.replace(/\/$/, "")}${instancePath(ws, id, route)}`, { headers });
    } catch (error) {
      console.warn(JSON.stringify({ msg: "runtime gateway socket failed", error: String(error) }));
      throw new RoomError("unavailable", "the OpenClaw runtime is unreachable");
    }
    const socket = response.webSocket;
    if (!socket) {
      const body = anyEnvelope.safeParse(await response.json().catch(() => null));
      throw new RoomError(
        "unavailable",
        body.success && !body.data.ok
          ? body.data.error.message
          : `the runtime refused the gateway socket (${response.status})`,
      );
    }
    return socket;
  }

  delete(ws: string, id: string): Promise<DeleteOutcome> {
    return this.#call(deleteEnvelope, "DELETE", ws, instancePath(ws, id));
  }
}
