// What the sandbox host does inside an instance's container, over the SDK boundary: the
// gateway token file, whether state exists, the gateway socket, stopping the gateway.
import { classifySandboxError } from "../../shared/upstream-errors";
import { runtimeError } from "../src/errors";
import { MIN_GATEWAY_TOKEN_LENGTH } from "../src/gateway-config";
import { StartFailure } from "../src/gateway-start";
import type { SocketLike } from "./gateway-socket";
import { CONTAINER_PATHS, GATEWAY_PORT, GATEWAY_PROCESS_ID, isRunning, type SandboxLike } from "./sandbox-boundary";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A new gateway token: 32 random bytes, base64url. */
export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The token file's content, or undefined when it is missing or too short. Other SDK
 * failures (the container is unavailable) are swallowed too, unless `rethrow` asks for them.
 */
export async function readToken(sandbox: SandboxLike, rethrow = false): Promise<string | undefined> {
  try {
    const token = (await sandbox.readFile(CONTAINER_PATHS.tokenFile)).content.trim();
    return token.length >= MIN_GATEWAY_TOKEN_LENGTH ? token : undefined;
  } catch (error) {
    if (rethrow && classifySandboxError(error) !== "file_not_found") throw error;
    return undefined;
  }
}

export async function hasState(sandbox: SandboxLike): Promise<boolean> {
  return (await sandbox.exec(`test -d ${CONTAINER_PATHS.state}`)).exitCode === 0;
}

/** A fresh upstream request: no header of the caller reaches the gateway (no Origin, no X-Forwarded-For). */
export async function connectSocket(sandbox: SandboxLike, headers: Record<string, string> = {}): Promise<SocketLike> {
  const response = await sandbox.wsConnect(
    new Request("http://gateway.internal/", { headers: { Upgrade: "websocket", ...headers } }),
    GATEWAY_PORT,
  );
  const socket = (response as Response & { webSocket?: SocketLike | null }).webSocket;
  if (!socket)
    throw new StartFailure(
      runtimeError("gateway_unavailable", `the gateway did not accept a WebSocket (HTTP ${response.status})`, {
        retryable: true,
      }),
    );
  return socket;
}

/** SIGTERM, then SIGKILL once `stopTimeoutMs` has passed. */
export async function stopGateway(sandbox: SandboxLike, stopTimeoutMs: number): Promise<void> {
  const proc = await sandbox.getProcess(GATEWAY_PROCESS_ID);
  if (!proc || !isRunning(proc)) return;
  await sandbox.killProcess(GATEWAY_PROCESS_ID, "SIGTERM");
  const deadline = Date.now() + stopTimeoutMs;
  for (;;) {
    const current = await sandbox.getProcess(GATEWAY_PROCESS_ID);
    if (!current || !isRunning(current)) return;
    if (Date.now() > deadline) {
      await sandbox.killProcess(GATEWAY_PROCESS_ID, "SIGKILL");
      return;
    }
    await sleep(250);
  }
}

/**
 * The shell that removes `<workspace>/skills/<slug>` in a container, for a slug already
 * validated (letters, digits and '-': nothing the shell reads specially). Exits 0 when removed,
 * 4 when there was nothing, 3 when the workspace or its skills directory is a symlink (never
 * entered); a symlinked skill is unlinked, not followed (`rm` does not follow it).
 */
export function removeSkillScript(workspace: string, slug: string): string {
  const skills = `${workspace}/skills`;
  return `if [ -L ${workspace} ] || [ -L ${skills} ]; then exit 3; fi; if [ -e ${skills}/${slug} ] || [ -L ${skills}/${slug} ]; then rm -rf -- ${skills}/${slug} && exit 0; fi; exit 4`;
}
