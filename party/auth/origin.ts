import type { Env } from "../env";

/**
 * Cross-site request forgery: a browser attaches the session cookie to requests any page
 * makes (`SameSite=Lax` still lets a top-level form POST and a cross-site WebSocket carry
 * it), so a request that rides on the cookie must come from one of the app's own origins
 * and, when it writes, carry JSON (a cross-site form or a `no-cors` fetch can only send
 * form or text bodies without a CORS preflight, which we never grant).
 *
 * Not affected: requests with an `x-api-key` header (a page cannot add a header
 * cross-site without a preflight) and requests carrying no cookie (nothing ambient to
 * abuse). A request without `Origin` comes from a non-browser client unless the browser
 * says it is cross-site (`Sec-Fetch-Site`); browsers send `Origin` on every WebSocket
 * upgrade and every POST.
 */

/** `APP_ORIGINS` (comma-separated): the origins the app is served from, as configured. */
function configuredOrigins(env: Pick<Env, "APP_ORIGINS">): string[] {
  return (env.APP_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter(Boolean);
}

/** The request's own origin plus `APP_ORIGINS` (comma-separated, e.g. an app served from another host). */
export function appOrigins(env: Pick<Env, "APP_ORIGINS">, requestUrl: string): string[] {
  return [...new Set([new URL(requestUrl).origin, ...configuredOrigins(env)])];
}

/** Names only this machine answers to: no page elsewhere can make a browser send one as its Host. */
const LOOPBACK_HOSTNAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The configured origins that parse, as URLs (an entry that does not names nothing). */
const configuredUrls = (env: Pick<Env, "APP_ORIGINS">): URL[] =>
  configuredOrigins(env).flatMap((origin) => {
    try {
      return [new URL(origin)];
    } catch {
      return [];
    }
  });

/**
 * The hosts this server is, for a proof that must name it (a NIP-42 AUTH's `relay` tag):
 * the configured origins' (`APP_ORIGINS`) and, for a request sent to loopback, that loopback
 * host (a local server). Never another Host a request carried: a relay in the middle that
 * connects with its own name must not have a client's proof for that name taken here.
 */
export function ownHosts(env: Pick<Env, "APP_ORIGINS">, requestHost: string): string[] {
  const hosts = configuredUrls(env).map((origin) => origin.host);
  let hostname = "";
  try {
    hostname = new URL(`http://${requestHost}`).hostname;
  } catch {
    hostname = "";
  }
  if (LOOPBACK_HOSTNAMES.has(hostname) && !hosts.includes(requestHost)) hosts.push(requestHost);
  return hosts;
}

/**
 * DNS rebinding, for a request that carries a key rather than a cookie (the MCP endpoint):
 * a page on a name an attacker points at this server reaches it with that name as its
 * Host and Origin, so the request's own origin proves nothing. Its Host must be one of the
 * configured origins' (`APP_ORIGINS`) or loopback, and an `Origin`, when sent, one of the
 * configured origins or the loopback origin the request was sent to. Null when it may go on.
 */
export function rebindingRefusal(env: Pick<Env, "APP_ORIGINS">, request: Request): string | null {
  const url = new URL(request.url);
  const configured = configuredUrls(env);
  const loopback = LOOPBACK_HOSTNAMES.has(url.hostname);
  if (!loopback && !configured.some((origin) => origin.host === url.host))
    return `host ${url.host.slice(0, 100)} is not one of this server's origins (APP_ORIGINS)`;
  const origin = request.headers.get("origin");
  if (
    origin !== null &&
    !configured.some((allowed) => allowed.origin === origin) &&
    !(loopback && origin === url.origin)
  )
    return `origin ${origin.slice(0, 60)} is not allowed`;
  return null;
}

/**
 * The origin a link in a mail or a push leads to. Never simply the request's: a client names
 * its Host, and a proxy may pass it on, so a sign-up sent with `Host: evil.example` would mail
 * its verification token to that host. `preferred` (the origin a person uses) when it is one
 * of the configured origins (`APP_ORIGINS`), else the first of them; with none configured,
 * `preferred` only when it is loopback (a local server), else null: no link can be built.
 */
export function linkOrigin(env: Pick<Env, "APP_ORIGINS">, preferred: string | null | undefined): string | null {
  let url: URL | null = null;
  try {
    url = preferred ? new URL(preferred) : null;
  } catch {
    url = null;
  }
  const configured = configuredUrls(env);
  if (url && configured.some((origin) => origin.origin === url.origin)) return url.origin;
  if (configured[0]) return configured[0].origin;
  return url && LOOPBACK_HOSTNAMES.has(url.hostname) ? url.origin : null;
}

/** linkOrigin, or an error that says what to configure. */
export function requireLinkOrigin(env: Pick<Env, "APP_ORIGINS">, preferred: string | null | undefined): string {
  const origin = linkOrigin(env, preferred);
  if (origin === null) throw new Error("no origin for links in mail: set APP_ORIGINS to the app's public origin");
  return origin;
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** Why a request riding on the cookie comes from the wrong page, or null (no cookie, a key, or one of the app's origins). */
function originRefusal(env: Pick<Env, "APP_ORIGINS">, request: Request): string | null {
  const headers = request.headers;
  if (headers.has("x-api-key") || !headers.has("cookie")) return null;
  return foreignPageRefusal(env, request);
}

/** Why a request must be refused as made by another site's page (its Origin, or the browser's Sec-Fetch-Site), or null. */
export function foreignPageRefusal(env: Pick<Env, "APP_ORIGINS">, request: Request): string | null {
  const origin = request.headers.get("origin");
  if (origin !== null && !appOrigins(env, request.url).includes(origin))
    return `origin ${origin.slice(0, 60)} is not allowed`;
  if (origin === null && request.headers.get("sec-fetch-site") === "cross-site")
    return "cross-site requests are not allowed";
  return null;
}

const ridesOnCookie = (headers: Headers): boolean => !headers.has("x-api-key") && headers.has("cookie");

/** Why a cookie-authenticated request must be refused as cross-site, or null when it may go on. */
export function crossSiteRefusal(env: Pick<Env, "APP_ORIGINS">, request: Request): string | null {
  const refusal = originRefusal(env, request);
  if (refusal || !ridesOnCookie(request.headers)) return refusal;
  if (
    BODY_METHODS.has(request.method) &&
    !/^application\/json\s*(;|$)/i.test(request.headers.get("content-type") ?? "")
  )
    return "expected content-type: application/json";
  return null;
}

/**
 * The same rule for a file upload, whose body is the file itself (an image, a PDF, text):
 * what a cross-site form or `no-cors` fetch cannot send is a custom header, so a write
 * riding on the cookie must name the file in `header` (a preflight we never grant).
 */
export function crossSiteUploadRefusal(env: Pick<Env, "APP_ORIGINS">, request: Request, header: string): string | null {
  const refusal = originRefusal(env, request);
  if (refusal || !ridesOnCookie(request.headers)) return refusal;
  if (BODY_METHODS.has(request.method) && !request.headers.has(header)) return `expected an ${header} header`;
  return null;
}
