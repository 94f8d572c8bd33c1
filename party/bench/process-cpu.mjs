// CPU time a bench's server spends (Linux /proc), which unlike wall time barely moves when
// other work shares the machine. `processCpuMs` reads one process's threads from their
// schedstat (nanoseconds: a short block of work is still measurable); `treeCpuMs` a whole
// process tree in clock ticks (10 ms), for a server the bench could not pin to one process.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

function stat(pid) {
  try {
    // The command name is in parentheses and may hold spaces: fields follow the last ")".
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** User + system CPU ms of `root` and all its descendants now, or null where /proc is absent. */
export function treeCpuMs(root) {
  let pids;
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const stats = new Map(pids.map((pid) => [Number(pid), stat(pid)]).filter(([, s]) => s));
  const inTree = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 50; p = stats.get(p)?.ppid ?? 0, hops++) if (p === root) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, s] of stats) if (inTree(pid)) ticks += s.ticks;
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** CPU ms of every thread of `pid` now (its threads' schedstat), or null where that is absent. */
export function processCpuMs(pid) {
  let ns = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // the thread ended while we looked
      }
    }
  } catch {
    return null;
  }
  return ns / 1e6;
}

/**
 * A reader of one server's CPU ms: its Worker's workerd process when the bench found it
 * (workerd-direct.mjs), else its whole process tree.
 * @param {{pid: number | null}} target @param {number} rootPid
 */
export const serverCpu = (target, rootPid) => (target.pid ? () => processCpuMs(target.pid) : () => treeCpuMs(rootPid));
