/**
 * What the app's service worker (sw.js beside this) answers from its copy of the app shell,
 * and what it leaves to the network. The shell is this build's page, scripts, styles, fonts
 * and icons (client/build.mjs lists them): a reload while the server is out of reach opens the
 * app, which then shows what the device kept (stores/outbox.ts, stores/session.ts). Nothing
 * the server answers for data is ever kept: requests to the Worker's own paths, every other
 * method than GET and every other origin go to the network untouched.
 */

/** wrangler.toml's `run_worker_first`: the Worker's own paths (the API, the rooms' sockets, files), never the shell. */
export const SERVER_PATHS = [
  "/parties/*",
  "/agents/*",
  "/api/*",
  "/mcp/*",
  "/files/*",
  "/devices/*",
  "/autopilot-client.tgz",
  "/autopilot-client.mjs",
  "/relay",
  "/relay/*",
  "/SKILL.md",
  "/decide/*",
  "/chats/*",
] as const;

/** The shell's caches are named after the build; the worker drops every other one of these. */
export const SHELL_CACHE_PREFIX = "autopilot-shell-";

export const shellCacheName = (version: string): string => `${SHELL_CACHE_PREFIX}${version}`;

/** This build's shell, as client/build.mjs writes it into the worker. */
export interface AppShell {
  /** Changes with any byte of the files. */
  version: string;
  /** Paths on the app's origin: "/" for the page. */
  files: string[];
}

/** A request as the worker sees it (a Request has these). */
export interface ShellRequest {
  url: string;
  method: string;
  mode: string;
}

/**
 * `page`: a navigation, from the network, else the kept page; `file`: a file of the shell,
 * kept (its name changes with its content, or the build's version does); null: the network's
 * business alone.
 */
export type ShellAnswer = { kind: "page" } | { kind: "file"; path: string } | null;

export function isServerPath(pathname: string): boolean {
  return SERVER_PATHS.some((pattern) =>
    pattern.endsWith("/*") ? pathname.startsWith(pattern.slice(0, -1)) : pathname === pattern,
  );
}

export function shellAnswer(request: ShellRequest, origin: string, files: ReadonlySet<string>): ShellAnswer {
  if (request.method !== "GET") return null;
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return null;
  }
  if (url.origin !== origin || isServerPath(url.pathname)) return null;
  if (request.mode === "navigate") return { kind: "page" };
  return files.has(url.pathname) ? { kind: "file", path: url.pathname } : null;
}
