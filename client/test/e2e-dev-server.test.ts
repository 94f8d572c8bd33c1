// The local server (party/dev/server.mjs) opens no V8 inspector: a gateway runs approved
// commands under another uid on this machine, and any local uid that reaches a DevTools
// endpoint can evaluate JavaScript in the Worker and read its secrets. Every TCP socket the
// server's processes listen on is asked for DevTools' /json; only a bench that asks for an
// inspector (`inspectorPort`, its CPU profiles) gets one, on that port. Linux only (/proc).
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, startServer } from "../../party/dev/server.mjs";

/** The pid and every descendant of it (wrangler's node, esbuild, the workerd processes). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** A /proc/net/tcp{,6} address ("0100007F", 32 hex digits for IPv6: 32-bit words, each little-endian) as a host for a URL. */
function host(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)),
  );
  if (bytes.length === 4) return bytes.every((b) => b === 0) ? "127.0.0.1" : bytes.join(".");
  if (bytes.every((b) => b === 0)) return "127.0.0.1";
  // ::ffff:a.b.c.d
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return bytes.slice(12).join(".");
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `[${groups.join(":")}]`;
}

/** Every TCP socket the processes listen on, as `host:port`. */
function listeningSockets(pids: number[]): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: "utf8" }));
        if (m) inodes.add(m[1]!);
      }
    } catch {
      // gone meanwhile
    }
  }
  const sockets: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // column 1: local address "HEX:PORT"; column 3: state, 0A = LISTEN; column 9: inode
      if (cols.length < 10 || cols[3] !== "0A" || !inodes.has(cols[9]!)) continue;
      const [address, port] = cols[1]!.split(":");
      sockets.push(`${host(address!)}:${Number.parseInt(port!, 16)}`);
    }
  }
  return sockets;
}

/** The sockets among them that answer DevTools' target list (`[{ webSocketDebuggerUrl, … }]`). */
async function devtoolsEndpoints(sockets: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const socket of sockets) {
    try {
      const res = await fetch(`http://${socket}/json`, { signal: AbortSignal.timeout(3000) });
      const body = await res.text();
      if (body.includes("webSocketDebuggerUrl")) found.push(socket);
    } catch {
      // not HTTP (workerd's control sockets) or no answer
    }
  }
  return found;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function withServer(
  options: { inspectorPort?: number; log?: (line: string) => void },
  check: (server: Awaited<ReturnType<typeof startServer>>) => Promise<void>,
) {
  const persistDir = mkdtempSync(join(tmpdir(), "autopilot-dev-server-"));
  dirs.push(persistDir);
  const server = await startServer({ port: await freePort(), persistDir, ...options });
  try {
    await check(server);
  } finally {
    await server.stop();
  }
}

describe.runIf(process.platform === "linux")("the local server's inspector", () => {
  it("is not listening: no socket of the server's processes answers DevTools", async () => {
    const log: string[] = [];
    await withServer({ log: (line) => log.push(line) }, async (server) => {
      const sockets = listeningSockets(processTree(server.child.pid!));
      // The sockets are found at all: the server's own port is among them.
      expect(sockets).toContain(`127.0.0.1:${server.port}`);
      expect(await devtoolsEndpoints(sockets)).toEqual([]);
      // Without an inspector the Worker's console still reaches the log (the tests and `npm start` read it): a sign-up's mail.
      const email = `inspector-${Date.now()}@example.test`;
      const signUp = await fetch(`${server.url}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: server.url },
        body: JSON.stringify({ email, password: "correct horse battery", name: "Ines" }),
      });
      expect(signUp.status).toBe(200);
      await expect.poll(() => log.some((line) => line.includes('"msg":"mail"') && line.includes(email))).toBe(true);
    });
  });

  it("listens on the port a bench asks for (its CPU profiles)", async () => {
    const inspectorPort = await freePort();
    await withServer({ inspectorPort }, async (server) => {
      const sockets = listeningSockets(processTree(server.child.pid!));
      expect(await devtoolsEndpoints(sockets)).toContain(`127.0.0.1:${inspectorPort}`);
      const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
        webSocketDebuggerUrl: string;
      }[];
      expect(targets[0]?.webSocketDebuggerUrl).toBe(`ws://127.0.0.1:${inspectorPort}/ws`);
    });
  });
});
