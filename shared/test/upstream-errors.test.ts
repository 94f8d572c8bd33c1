// The upstream error classifier against the real error shapes: gateway errors as recorded in
// runtime/BRIDGE.md (openclaw@2026.9.6 on the wire) and in the gateway's own source
// (ErrorCodes, ConnectErrorDetailCodes, "approval not found" with details.reason), and the
// @cloudflare/sandbox 0.12.10 error classes' name/code/reason plus the platform messages.
import { describe, expect, it } from "vitest";
import {
  classifyGatewayError,
  classifySandboxError,
  type GatewayErrorKind,
  type GatewayErrorLike,
  type SandboxErrorKind,
} from "../upstream-errors";

/** An error with the gateway's generic code (INVALID_REQUEST): what went wrong is in its message and details. */
const invalid = (message: string, details?: Record<string, unknown>): GatewayErrorLike => ({
  code: "INVALID_REQUEST",
  message,
  ...(details && { details }),
});

const GATEWAY: [string, GatewayErrorLike, GatewayErrorKind][] = [
  // BRIDGE.md, "Stale device token" / Q7 row 6.
  [
    "stale device token",
    invalid("unauthorized: device token mismatch (rotate/reissue device token)", {
      code: "AUTH_DEVICE_TOKEN_MISMATCH",
      canRetryWithDeviceToken: false,
    }),
    "device_auth",
  ],
  [
    "stale device token, no details",
    invalid("unauthorized: device token mismatch (rotate/reissue device token)"),
    "device_auth",
  ],
  // BRIDGE.md Q6: a new device with auto-approval off.
  [
    "not paired",
    {
      code: "NOT_PAIRED",
      message: "pairing required: device is not approved yet",
      details: { code: "PAIRING_REQUIRED", reason: "not-paired", requestId: "98fc", deviceId: "baed" },
    },
    "device_auth",
  ],
  [
    "scope upgrade repair",
    {
      code: "NOT_PAIRED",
      message: "pairing required",
      details: { reason: "scope-upgrade", approvedScopes: [], requestedScopes: [] },
    },
    "device_auth",
  ],
  // The gateway's docs (docs/gateway/protocol/auth.md and troubleshooting.md in runtime/openclaw's
  // openclaw package): the shared token did not match.
  [
    "shared token mismatch",
    invalid("unauthorized", {
      code: "AUTH_TOKEN_MISMATCH",
      canRetryWithDeviceToken: true,
      recommendedNextStep: "retry_with_device_token",
    }),
    "device_auth",
  ],
  // BRIDGE.md: device.pair.reject twice, node pairing.
  ["unknown requestId", invalid("unknown requestId"), "gone"],
  // BRIDGE.md: channels.pairing.approve/dismiss with an unknown id.
  ["DM request gone", invalid("pending DM access request no longer exists"), "gone"],
  // Gateway source: approval.resolve for a missing or expired approval.
  ["approval not found", invalid("approval not found", { reason: "APPROVAL_NOT_FOUND" }), "gone"],
  ["APPROVAL_NOT_FOUND code", { code: "APPROVAL_NOT_FOUND", message: "x" }, "gone"],
  ["legacy expired approval", invalid("unknown or expired approval id"), "gone"],
  ["NOT_FOUND", { code: "NOT_FOUND", message: "session not found" }, "gone"],
  // Gateway source ("startup-sidecars" in runtime/openclaw's openclaw package): connect before the sidecars are up.
  [
    "startup sidecars",
    { code: "UNAVAILABLE", message: "gateway starting", retryable: true, details: { reason: "startup-sidecars" } },
    "retryable",
  ],
  ["UNAVAILABLE without flag", { code: "UNAVAILABLE", message: "service unavailable" }, "retryable"],
  ["details.retryable", invalid("try later", { retryable: true }), "retryable"],
  ["rate limit", { code: "RATE_LIMITED", message: "rate limit exceeded for chat.send" }, "retryable"],
  ["busy", { code: "BUSY", message: "busy" }, "retryable"],
  ["timeout", { code: "AGENT_TIMEOUT", message: "timed out" }, "retryable"],
  // BRIDGE.md: neither gone nor transient.
  ["chat request conflict", invalid("chat-request-conflict", { reason: "chat-request-conflict" }), "other"],
  ["unauthorized abort", invalid("unauthorized"), "other"],
  ["signature invalid", invalid("device signature invalid", { code: "DEVICE_AUTH_SIGNATURE_INVALID" }), "other"],
  ["unknown pairing channel", invalid("unknown pairing channel"), "other"],
  [
    "forbidden",
    { code: "FORBIDDEN", message: "missing scope: operator.admin", details: { code: "MISSING_SCOPE" } },
    "other",
  ],
];

describe("classifyGatewayError", () => {
  it.each(GATEWAY)("%s", (_name, error, kind) => {
    expect(classifyGatewayError(error)).toBe(kind);
  });
  it("codes win over the message", () => {
    expect(classifyGatewayError({ code: "UNAVAILABLE", message: "approval not found" })).toBe("retryable");
    expect(classifyGatewayError({ code: "APPROVAL_NOT_FOUND", message: "device token mismatch" })).toBe("gone");
  });
  it("takes hostile shapes without throwing", () => {
    for (const error of [null, undefined, {}, { code: 42, message: ["x"], details: "nope" }, { details: [1, 2] }])
      expect(classifyGatewayError(error as GatewayErrorLike)).toBe("other");
  });
});

const named = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name }, extra);

const SANDBOX: [string, unknown, SandboxErrorKind][] = [
  // @cloudflare/containers' own message: any Sandbox call under wrangler dev without containers.
  [
    "containers not enabled",
    new Error(
      "Containers have not been enabled for this Durable Object class. Have you correctly setup your Wrangler config? More info: https://developers.cloudflare.com/containers/get-started/#configuration",
    ),
    "containers_not_enabled",
  ],
  // SDK CONTAINER_UNAVAILABLE_SIGNATURES and its ContainerUnavailableError.
  [
    "max instances (platform message)",
    new Error("Maximum number of running container instances exceeded. Try again later"),
    "max_instances",
  ],
  [
    "max instances (SDK reason)",
    named("ContainerUnavailableError", "there is no capacity", {
      code: "CONTAINER_UNAVAILABLE",
      reason: "max_container_instances_exceeded",
    }),
    "max_instances",
  ],
  [
    "container unavailable",
    named("ContainerUnavailableError", "there is no container instance that can be provided to this durable object", {
      code: "CONTAINER_UNAVAILABLE",
      reason: "no_container_instance_available",
      retryAfterMs: 1000,
    }),
    "container_unavailable",
  ],
  [
    "container unavailable by name",
    named("ContainerUnavailableError", "no container", { reason: "container_starting" }),
    "container_unavailable",
  ],
  [
    "container unavailable (raw message)",
    new Error("there is no container instance available at this time"),
    "container_unavailable",
  ],
  [
    "process exited",
    named("ProcessExitedBeforeReadyError", "exited", { code: "PROCESS_EXITED_BEFORE_READY", exitCode: 1 }),
    "process_exited",
  ],
  ["ready timeout", named("ProcessReadyTimeoutError", "timeout", { code: "PROCESS_READY_TIMEOUT" }), "ready_timeout"],
  ["file not found (code)", named("SandboxError", "ENOENT", { code: "FILE_NOT_FOUND" }), "file_not_found"],
  [
    "file not found (name)",
    named("FileNotFoundError", "File not found: /data/instance/gateway-token"),
    "file_not_found",
  ],
  ["file not found (message)", new Error("cat: /x: No such file or directory"), "file_not_found"],
  ["anything else", new Error("boom"), "other"],
  ["not an Error", "boom", "other"],
];

describe("classifySandboxError", () => {
  it.each(SANDBOX)("%s", (_name, error, kind) => {
    expect(classifySandboxError(error)).toBe(kind);
  });
});
