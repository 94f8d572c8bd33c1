import { FILE_NAME_HEADER, type FileUploadResult, INLINE_FILE_TYPES } from "../../shared/api/files";
import { type WorkerRoute, under } from "../worker-route";
import type { Principal, Scope } from "../../shared/protocol/principal";
import { hasScope } from "../../shared/scopes";
import { crossSiteRefusal, crossSiteUploadRefusal } from "../auth/origin";
import type { Auth } from "../auth/auth";
import { resolveSocketPrincipal } from "../auth/principal";
import { consumeUploadQuota } from "../auth/rate-limits";
import { newId } from "../domain/keys";
import type { Env } from "../env";
import { canonicalId } from "../room-path";
import { sha256Hex } from "../auth/tokens";
import { allowedType, contentMatches, fileMaxBytes, readCapped, sanitizeFileName } from "./content";
import { downloadHeaders, fileError } from "./responses";
import { fileKey } from "./storage";
import { roomCall } from "../room-rpc";

// Files in threads over HTTP (shared/api/files.ts): `POST /files/<workspaceId>` stores an
// upload, `GET /files/<workspaceId>/<fileId>` serves it. Bytes only: what a thread knows of
// its files goes over the socket. Who asks is resolved as for the rooms' sockets.

const FILES_PATH = /^\/files\/([^/?#]+)(?:\/([^/?#]+))?$/;

export async function handleFiles(request: Request, env: Env, auth: () => Auth): Promise<Response> {
  const match = FILES_PATH.exec(new URL(request.url).pathname);
  const workspaceId = match?.[1] === undefined ? null : canonicalId(match[1]);
  const fileId = match?.[2] === undefined ? undefined : canonicalId(match[2]);
  if (!workspaceId || fileId === null) return fileError("not_found", "no such file route");
  const upload = fileId === undefined;
  if (upload ? request.method !== "POST" : request.method !== "GET")
    return fileError("method_not_allowed", upload ? "upload with POST" : "download with GET", {
      allow: upload ? "POST" : "GET",
    });
  const crossSite = upload ? crossSiteUploadRefusal(env, request, FILE_NAME_HEADER) : crossSiteRefusal(env, request);
  if (crossSite) return fileError("forbidden", crossSite);
  // Headers and cookies only: a connect ticket (a socket's one-time pass) opens no file.
  const url = new URL(request.url);
  url.search = "";
  const outcome = await resolveSocketPrincipal(env, auth, new Request(url, { headers: request.headers }), workspaceId);
  if (!outcome.ok) return fileError(outcome.status === 401 ? "unauthenticated" : "forbidden", outcome.reason);
  const need: Scope = upload ? "write" : "read";
  if (!hasScope(outcome.principal.scopes, need))
    return fileError("forbidden", `${upload ? "uploading" : "reading"} files needs the ${need} scope`);
  return upload ? uploadFile(request, env, workspaceId, outcome.principal) : downloadFile(env, workspaceId, fileId);
}

async function uploadFile(request: Request, env: Env, workspaceId: string, principal: Principal): Promise<Response> {
  const type = allowedType(request.headers.get("content-type"));
  if (!type) return fileError("unsupported_media_type", "this type of file is not accepted");
  const name = sanitizeFileName(request.headers.get(FILE_NAME_HEADER));
  if (!name) return fileError("bad_request", `name the file in the ${FILE_NAME_HEADER} header (percent-encoded)`);
  const max = fileMaxBytes(env);
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > max) return fileError("payload_too_large", `a file may have at most ${max} bytes`);
  const retryAfter = await consumeUploadQuota(env, workspaceId, principal.id);
  if (retryAfter !== null)
    return fileError("rate_limited", "too many uploads: wait a moment", { "retry-after": String(retryAfter) });
  const body = await readCapped(request.body, max);
  if (!body.ok)
    return body.reason === "too_large"
      ? fileError("payload_too_large", `a file may have at most ${max} bytes`)
      : fileError("bad_request", "the file is empty");
  if (!contentMatches(type, body.bytes)) return fileError("unsupported_media_type", `the content is not ${type}`);

  const id = newId("file");
  const sha256 = await sha256Hex(body.bytes);
  const key = fileKey(workspaceId, id);
  await env.FILES.put(key, body.bytes, {
    httpMetadata: { contentType: type },
    customMetadata: { name, uploadedBy: principal.id, uploadedAt: String(Date.now()) },
    sha256,
  });
  const file = { id, name, type, size: body.bytes.byteLength };
  let outcome: { recorded: boolean; maxBytes: number };
  try {
    outcome = await roomCall(env.Autopilot.getByName(workspaceId), "recordFile", {
      ...file,
      sha256,
      uploadedBy: principal.id,
      createdAt: Date.now(),
    });
  } catch (error) {
    // Unrecorded, the bytes could never be attached nor swept: they go.
    await env.FILES.delete(key);
    throw error;
  }
  if (!outcome.recorded) {
    await env.FILES.delete(key);
    return fileError(
      "payload_too_large",
      `this workspace's files may take at most ${outcome.maxBytes} bytes together: files no message carries go after 24 hours, or ask an operator to raise FILE_WORKSPACE_MAX_BYTES`,
    );
  }
  return Response.json({ file } satisfies FileUploadResult, { status: 201 });
}

async function downloadFile(env: Env, workspaceId: string, fileId: string): Promise<Response> {
  // The key holds the workspace: another workspace's file is simply not found.
  const object = await env.FILES.get(fileKey(workspaceId, fileId));
  if (!object) return fileError("not_found", "no such file");
  const type = object.httpMetadata?.contentType ?? "application/octet-stream";
  const name = object.customMetadata?.name ?? fileId;
  return new Response(object.body, { headers: downloadHeaders(type, name, object.size, INLINE_FILE_TYPES.has(type)) });
}

/** The workspaces' files: a session or a key, read by handleFiles. */
export const filesRoute: WorkerRoute = {
  name: "files",
  matches: under("/files/"),
  handle: (request, env, _ctx, auth) => handleFiles(request, env, auth),
};
