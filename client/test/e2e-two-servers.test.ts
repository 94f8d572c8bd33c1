// Two servers from one checkout. `npm start` builds the client before it serves; another server
// from the same checkout, started earlier, must keep answering every page and file exactly as
// at its own start while that build and start run, and while a second build runs beside it
// (two builds at once must both finish). A client file the server does not have is a 404,
// never the app's page (an installer would be handed HTML).
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { freePort, ROOT, startServer } from "../../party/dev/server.mjs";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

const sha256 = (bytes: ArrayBuffer) => createHash("sha256").update(Buffer.from(bytes)).digest("hex");

interface Served {
  page: string;
  script: string;
  scriptHash: string;
  tarballHash: string;
}

/** What a server answers for its page, its app script and the client tarball. */
async function served(url: string): Promise<Served> {
  const page = await (await fetch(`${url}/`)).text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
  if (!script) throw new Error(`no app script in the page:\n${page}`);
  const scriptHash = sha256(await (await fetch(`${url}${script}`)).arrayBuffer());
  const tarballHash = sha256(await (await fetch(`${url}/autopilot-client.tgz`)).arrayBuffer());
  return { page, script, scriptHash, tarballHash };
}

/** Every answer that differs from what the server served at its start, described. */
async function wrongAnswers(url: string, expected: Served): Promise<string[]> {
  const wrong: string[] = [];
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.arrayBuffer() };
  };
  for (const path of ["/", "/w/a-workspace"]) {
    const res = await get(path);
    const text = Buffer.from(res.body).toString("utf8");
    if (res.status !== 200 || text !== expected.page)
      wrong.push(`${path}: ${res.status} ${res.type} ${text.slice(0, 80)}`);
  }
  const script = await get(expected.script);
  if (script.status !== 200 || sha256(script.body) !== expected.scriptHash)
    wrong.push(`${expected.script}: ${script.status} ${script.type}`);
  const tarball = await get("/autopilot-client.tgz");
  if (tarball.status !== 200 || tarball.type.startsWith("text/html") || sha256(tarball.body) !== expected.tarballHash) {
    wrong.push(`/autopilot-client.tgz: ${tarball.status} ${tarball.type} ${tarball.body.byteLength} bytes`);
  }
  return wrong;
}

/** Resolves with the exit code; the output is kept for a failure's message. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  output: string[],
): { child: ChildProcess; exited: Promise<number | null> } {
  // Its own process group, so a stop reaches npm and everything it started.
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  for (const stream of [child.stdout!, child.stderr!])
    stream.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited };
}

describe("two servers from one checkout", () => {
  it("the first serves the same page, app script and client tarball throughout the second's build and start, and a build beside it", async () => {
    const first = await startServer({ port: await freePort(), persistDir: tempDir("autopilot-first-") });
    const second: { child?: ChildProcess; exited?: Promise<number | null>; output: string[] } = { output: [] };
    try {
      const atStart = await served(first.url);
      const runtimeParent = tempDir("autopilot-second-runtime-");
      // As root the runtime's gateways run as other users, who must pass through it.
      chmodSync(runtimeParent, 0o711);
      const [port, runtimePort] = [await freePort(), await freePort()];
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(port),
        RUNTIME_PORT: String(runtimePort),
        PERSIST_DIR: tempDir("autopilot-second-"),
        RUNTIME_DATA_DIR: join(runtimeParent, "runtime"),
      };
      const buildOutput: string[] = [];
      const build = run(process.execPath, [join(ROOT, "client", "build.mjs")], process.env, buildOutput);
      Object.assign(second, run("npm", ["start"], env, second.output));
      const secondUrl = `http://127.0.0.1:${port}`;

      // Polled until the second answers its health check and the build beside it has exited.
      const wrong: string[] = [];
      let rounds = 0;
      let buildCode: number | null | undefined;
      void build.exited.then((code) => {
        buildCode = code;
      });
      for (;;) {
        wrong.push(...(await wrongAnswers(first.url, atStart)));
        rounds++;
        if (second.child!.exitCode !== null)
          throw new Error(`the second npm start exited (${second.child!.exitCode}):\n${second.output.join("")}`);
        const healthy = (await fetch(`${secondUrl}/api/health`).catch(() => undefined))?.ok === true;
        if (healthy && buildCode !== undefined) break;
      }
      expect(buildCode, buildOutput.join("")).toBe(0);
      expect(wrong.slice(0, 20), `${wrong.length} wrong answers in ${rounds} rounds`).toEqual([]);
      expect(rounds).toBeGreaterThan(1);

      // The second serves a whole build too, and the checkout's published one is whole.
      const secondServed = await served(secondUrl);
      expect(secondServed.page).toContain('<div id="root"');
      const published = realpathSync(join(ROOT, "client", "dist"));
      for (const file of ["index.html", "autopilot-client.tgz", "autopilot-client.mjs", secondServed.script.slice(1)])
        expect(existsSync(join(published, file)), file).toBe(true);
      expect(readdirSync(join(ROOT, "client", "package", "dist")).sort()).toEqual([
        "cli.mjs",
        "cli.mjs.map",
        "index.d.ts",
        "index.mjs",
        "index.mjs.map",
      ]);

      // A process manager stops it by signalling npm alone: what npm start started stops too.
      second.child!.kill("SIGTERM");
      const answers = async (url: string) => (await fetch(url).catch(() => undefined)) !== undefined;
      await vi.waitFor(
        async () => {
          if (
            (await answers(`${secondUrl}/api/health`)) ||
            (await answers(`http://127.0.0.1:${runtimePort}/v1/health`))
          )
            throw new Error(`still serving after npm was stopped:\n${second.output.join("")}`);
        },
        { timeout: 30_000, interval: 250 },
      );
      expect(second.output.join("")).toContain("npm exited: stopping");
    } finally {
      // The whole group, npm gone or not: nothing it started outlives the test.
      if (second.child) {
        try {
          process.kill(-second.child.pid!, "SIGTERM");
        } catch {
          // the group is gone
        }
      }
      await second.exited;
      await first.stop();
    }
  }, 600_000);

  it("answers 404 for a client file it does not have, and the app's page for the app's routes", async () => {
    const assets = tempDir("autopilot-assets-page-only-");
    mkdirSync(assets, { recursive: true });
    writeFileSync(join(assets, "index.html"), '<!doctype html><div id="root"></div>\n');
    const server = await startServer({
      port: await freePort(),
      persistDir: tempDir("autopilot-404-"),
      assetsDir: assets,
    });
    try {
      for (const path of ["/autopilot-client.tgz", "/autopilot-client.mjs"]) {
        const res = await fetch(`${server.url}${path}`);
        expect(res.status, path).toBe(404);
        expect(await res.text(), path).not.toContain('<div id="root"');
      }
      for (const path of ["/", "/w/a-workspace"]) {
        const res = await fetch(`${server.url}${path}`);
        expect(res.status, path).toBe(200);
        expect(await res.text(), path).toContain('<div id="root"');
      }
    } finally {
      await server.stop();
    }
  }, 120_000);
});
