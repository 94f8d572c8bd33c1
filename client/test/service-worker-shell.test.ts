// The service worker's rule for what it answers from its copy of the app shell
// (client/app/sw/shell.ts): never a request for data (the API, auth, the rooms' sockets, files,
// MCP, the relay), never another origin or method; a page while the server is out of reach; a
// file of this build's shell. The browser test (e2e-chat-browser) lists what Chromium kept.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SERVER_PATHS, shellAnswer } from "../app/sw/shell";

const ORIGIN = "https://app.example";
const FILES = new Set(["/", "/assets/index-abc.js", "/assets/index-abc.css", "/icon-192.png"]);
const ask = (path: string, mode = "cors", method = "GET", origin = ORIGIN) =>
  shellAnswer({ url: `${origin}${path}`, mode, method }, ORIGIN, FILES);

describe("the service worker's shell", () => {
  it("leaves every path the Worker answers itself to the network: wrangler.toml's run_worker_first, exactly", () => {
    const line = /^run_worker_first\s*=\s*(\[.*\])\s*$/m.exec(readFileSync("wrangler.toml", "utf8"));
    expect(line).not.toBeNull();
    expect([...SERVER_PATHS]).toEqual(JSON.parse(line![1]!));
  });

  it("never answers a request for data, whatever its mode", () => {
    const data = [
      "/api/me",
      "/api/auth/get-session",
      "/api/auth/sign-in/email",
      "/api/workspaces/ws_1/members",
      "/agents/autopilot/ws_1",
      "/parties/hatchery/ws_1",
      "/files/ws_1/file_1",
      "/mcp/ws_1",
      "/devices/pair",
      "/relay",
      "/relay/w/ws_1",
      "/SKILL.md",
      "/autopilot-client.mjs",
    ];
    for (const path of data)
      for (const mode of ["cors", "navigate", "websocket", "same-origin", "no-cors"])
        expect(ask(path, mode), `${mode} ${path}`).toBeNull();
    // Not even one that looks like a shell file under those paths.
    expect(shellAnswer({ url: `${ORIGIN}/api/me`, mode: "cors", method: "GET" }, ORIGIN, new Set(["/api/me"]))).toBe(
      null,
    );
  });

  it("answers pages and this build's files, and nothing of another origin or method", () => {
    expect(ask("/", "navigate")).toEqual({ kind: "page" });
    expect(ask("/?w=ws_1&thread=thr_1", "navigate")).toEqual({ kind: "page" });
    expect(ask("/admin", "navigate")).toEqual({ kind: "page" });
    expect(ask("/assets/index-abc.js")).toEqual({ kind: "file", path: "/assets/index-abc.js" });
    expect(ask("/icon-192.png", "no-cors")).toEqual({ kind: "file", path: "/icon-192.png" });
    // An earlier build's file is not this build's: the network's.
    expect(ask("/assets/index-old.js")).toBeNull();
    expect(ask("/", "navigate", "POST")).toBeNull();
    expect(ask("/assets/index-abc.js", "cors", "GET", "https://elsewhere.example")).toBeNull();
    expect(ask("/", "navigate", "GET", "https://elsewhere.example")).toBeNull();
  });
});
