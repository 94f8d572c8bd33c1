// CPU time used by a process tree (Linux /proc): what a bench's server spent, which unlike
// wall time barely moves when other work shares the machine.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

function stat(pid) {
  try {
    // The command name is in parentheses and may hold spaces: fields follow the last ")".
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const comm = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
    return { comm, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** User + system CPU ms of `root` and all its descendants now, by command name (`total`: all), or null where /proc is absent. */
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
  const ms = { total: 0 };
  for (const [pid, s] of stats) {
    if (!inTree(pid)) continue;
    const t = (s.ticks * 1000) / TICKS_PER_SECOND;
    ms[s.comm] = (ms[s.comm] ?? 0) + t;
    ms.total += t;
  }
  return ms;
}
