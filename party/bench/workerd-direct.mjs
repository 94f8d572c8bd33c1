// The benches measure the room, so they talk to workerd directly: `wrangler dev` runs two
// workerd processes — the user Worker on a random loopback port, and in front of it a
// proxy Worker (a Durable Object that fetch()es every request and pumps every WebSocket
// frame on) that only exists in local dev, for live reload. Production has no such hop.
// wrangler does not print the inner port, so it is read from /proc: the listening
// loopback sockets of wrangler's workerd children, probed with /api/health. Linux only;
// elsewhere (or with BENCH_VIA_PROXY=1) the benches go through the proxy and say so.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function children(pid) {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function descendants(pid) {
  const all = [];
  for (let queue = [pid]; queue.length; ) {
    const next = children(queue.shift());
    all.push(...next);
    queue.push(...next);
  }
  return all;
}

/** Listening loopback sockets of `pids`: `[{port, pid}]`. */
function listeningLoopbackPorts(pids) {
  const inodes = new Map();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`, { throwIfNoEntry: false });
        const m = /^socket:\[(\d+)\]$/.exec(link ?? "");
        if (m) inodes.set(m[1], pid);
      }
    } catch {
      // gone, or not ours to read
    }
  }
  const ports = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    // local address "0100007F:PORT" (127.0.0.1), state 0A = LISTEN, column 10 = inode
    if (cols.length < 10 || cols[3] !== "0A" || !cols[1].startsWith("0100007F:") || !inodes.has(cols[9])) continue;
    ports.push({ port: Number.parseInt(cols[1].split(":")[1], 16), pid: inodes.get(cols[9]) });
  }
  return ports;
}

/** The room's Worker answers /api/health with JSON holding `ok`. */
const ROOM_PROBE = { path: "/api/health", is: (status, body) => status === 200 && body.includes('"ok"') };

/**
 * The URL of the user Worker itself, or the proxy's when it cannot be found.
 * @param {{url: string, port: number, child: import("node:child_process").ChildProcess}} server from startServer (or the bench baseline's start)
 * @param {{path: string, is: (status: number, body: string) => boolean}} probe a request only that Worker answers so
 * `pid`: the workerd process that serves it (whose CPU time is the Worker's), or null
 * through the proxy.
 * @returns {Promise<{url: string, direct: boolean, pid: number | null}>}
 */
export async function benchTarget(server, probe = ROOM_PROBE) {
  if (process.env.BENCH_VIA_PROXY === "1" || process.platform !== "linux" || !server.child.pid)
    return { url: server.url, direct: false, pid: null };
  let ports = [];
  try {
    ports = listeningLoopbackPorts(descendants(server.child.pid)).filter((p) => p.port !== server.port);
  } catch {
    return { url: server.url, direct: false, pid: null };
  }
  for (const { port, pid } of ports) {
    const url = `http://127.0.0.1:${port}`;
    try {
      const res = await fetch(`${url}${probe.path}`, { signal: AbortSignal.timeout(2000) });
      if (probe.is(res.status, await res.text())) return { url, direct: true, pid };
    } catch {
      // not the Worker's entry (workerd's own control sockets)
    }
  }
  return { url: server.url, direct: false, pid: null };
}

export const targetLabel = (t) =>
  t.direct
    ? "workerd directly (wrangler dev's proxy hop skipped; production has none)"
    : "through wrangler dev's proxy";
