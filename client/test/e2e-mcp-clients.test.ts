// Real MCP clients against the real server (wrangler dev, as `npm start` runs it). The
// snippets of docs/mcp.md run exactly as written (host and workspace filled in) on both
// generations of the official TypeScript SDK — v2 `@modelcontextprotocol/client` and v1
// `@modelcontextprotocol/sdk` — while a person approves what they ask. Then the official
// conformance suite (`@modelcontextprotocol/conformance`) runs every scenario that applies
// to this endpoint through a loopback shim that adds the key, since the suite sends no
// headers of its own; the shim passes Host and Origin on untouched, so the suite's DNS
// rebinding scenario reaches the Worker's own check.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AutopilotClient } from "../src/client";
import { ROOT } from "../../party/dev/server.mjs";
import {
  createKey,
  ownWorkspace,
  personClient,
  runProcess,
  signUpVerified,
  until,
  withSharedServer,
} from "./e2e-helpers";

const CONFORMANCE = join(ROOT, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");

/** The suite's server scenarios this endpoint must pass. */
const APPLICABLE = [
  "server-initialize",
  "logging-set-level",
  "ping",
  "tools-list",
  "resources-list",
  "resources-subscribe",
  "resources-unsubscribe",
  "server-sse-multiple-streams",
  "dns-rebinding-protection",
];

/** The scenarios that do not apply, and why (docs/mcp.md, "Tests"). */
const NOT_APPLICABLE: Record<string, string> = {
  "completion-complete": "completes a test prompt's argument: the endpoint offers no prompts nor completions",
  "tools-call-simple-text": "calls the reference server's test tool",
  "tools-call-image": "calls the reference server's test tool",
  "tools-call-audio": "calls the reference server's test tool",
  "tools-call-embedded-resource": "calls the reference server's test tool",
  "tools-call-mixed-content": "calls the reference server's test tool",
  "tools-call-with-logging": "calls the reference server's test tool",
  "tools-call-error": "calls the reference server's test tool",
  "tools-call-with-progress": "calls the reference server's test tool",
  "tools-call-sampling": "a test tool that asks the client to sample: the endpoint never asks its clients for sampling",
  "tools-call-elicitation": "a test tool that elicits input: the endpoint never elicits",
  "elicitation-sep1034-defaults": "a test tool that elicits input: the endpoint never elicits",
  "elicitation-sep1330-enums": "a test tool that elicits input: the endpoint never elicits",
  "json-schema-2020-12": "looks for the reference server's json_schema_2020_12_tool",
  "server-sse-polling":
    "SSE resumption through a test tool: the endpoint keeps no event store (notifications are not replayed)",
  "resources-read-text": "reads the reference server's test:// resource",
  "resources-read-binary": "reads the reference server's test:// resource",
  "resources-templates-read": "reads the reference server's test:// template",
  "prompts-list": "the endpoint offers no prompts",
  "prompts-get-simple": "the endpoint offers no prompts",
  "prompts-get-with-args": "the endpoint offers no prompts",
  "prompts-get-embedded-resource": "the endpoint offers no prompts",
  "prompts-get-with-image": "the endpoint offers no prompts",
};

const server = withSharedServer();
let resultsDir: string;
let workspace: string;
let agentKey: string;
let person: AutopilotClient;
let shim: http.Server;
let shimUrl: string;

/** Runs `node <args>` in the repository, with `input` on stdin; resolves when it exits. */
const node = (args: string[], input = "", env: Record<string, string> = {}) =>
  runProcess(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdin: input });

/** The docs' code block that imports from `pkg`, with the placeholders filled in. */
function snippet(pkg: string): string {
  const blocks = [...readFileSync(join(ROOT, "docs", "mcp.md"), "utf8").matchAll(/```js\n([\s\S]*?)```/g)].map(
    (m) => m[1]!,
  );
  const block = blocks.find((code) => code.includes(`from "${pkg}`));
  if (!block) throw new Error(`docs/mcp.md has no js snippet importing ${pkg}`);
  return block.replaceAll("https://<host>", server.url).replaceAll("<workspaceId>", workspace);
}

/** Forwards every request to the server as it came (Host and Origin too), with the agent's key added. */
function startShim(): Promise<http.Server> {
  const target = new URL(server.url);
  const proxy = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${agentKey}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error) => res.destroy(error));
    req.pipe(upstream);
  });
  return new Promise((resolve) => proxy.listen(0, "127.0.0.1", () => resolve(proxy)));
}

beforeAll(async () => {
  resultsDir = mkdtempSync(join(tmpdir(), "autopilot-mcp-conformance-"));
  const alice = await signUpVerified(server.url, "Alice");
  workspace = await ownWorkspace(server.url, alice.cookie);
  agentKey = await createKey(server.url, alice.cookie, workspace, { name: "mcp-agent", scopes: ["read", "write"] });
  person = personClient(server.url, alice.cookie, workspace, "alice");
  await person.ready();
  shim = await startShim();
  shimUrl = `http://127.0.0.1:${(shim.address() as AddressInfo).port}/mcp/${workspace}`;
}, 120_000);

afterAll(async () => {
  person?.close();
  shim?.closeAllConnections();
  shim?.close();
  if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
});

describe("the docs' snippets, as written", () => {
  for (const [generation, pkg] of [
    ["v2", "@modelcontextprotocol/client"],
    ["v1", "@modelcontextprotocol/sdk"],
  ] as const) {
    it(`the ${generation} SDK (${pkg}) asks for an approval, waits for a person and prints the decision`, async () => {
      const decided = new Set([...person.state.approvals.values()].map((a) => a.id));
      const run = node(["--input-type=module"], snippet(pkg), { AUTOPILOT_KEY: agentKey });
      const asked = await until(
        () =>
          [...person.state.approvals.values()].find(
            (a) => !decided.has(a.id) && a.status === "pending" && a.title === "Deploy 1.4",
          ),
        `the ${generation} snippet's approval at Alice`,
        30_000,
      );
      expect(asked).toMatchObject({ risk: "high", requestedBy: { kind: "agent" } });
      await person.approvals.resolve({ approvalId: asked.id, decision: "approve" });
      const { code, stdout, stderr } = await run;
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(stdout.trim().split("\n").at(-1)).toBe("approved");
    }, 90_000);
  }
});

describe("the official MCP conformance suite", () => {
  it("lists no server scenario this test has not judged", async () => {
    const listed = await node([CONFORMANCE, "list", "--server"]);
    expect(listed.code).toBe(0);
    const scenarios = [...listed.stdout.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]!);
    expect(scenarios.length).toBeGreaterThan(0);
    expect([...scenarios].sort()).toEqual([...APPLICABLE, ...Object.keys(NOT_APPLICABLE)].sort());
  });

  for (const scenario of APPLICABLE) {
    it(`passes ${scenario}`, async () => {
      const out = join(resultsDir, scenario);
      const run = await node([CONFORMANCE, "server", "--url", shimUrl, "--scenario", scenario, "-o", out]);
      const checks = readdirSync(out).flatMap(
        (dir) =>
          JSON.parse(readFileSync(join(out, dir, "checks.json"), "utf8")) as {
            id: string;
            status: string;
            errorMessage?: string;
          }[],
      );
      expect(checks.filter((check) => check.status === "FAILURE")).toEqual([]);
      expect(checks.some((check) => check.status === "SUCCESS")).toBe(true);
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }, 60_000);
  }
});
