// Preloaded into every gateway process (`node --import <this file> openclaw.mjs ...`) so a
// gateway can never outlive the runtime that started it, even when the runtime is SIGKILLed
// and so cannot run any cleanup of its own.
//
// The runtime spawns the gateway with an extra pipe on fd 3 and never writes to it. The
// kernel closes the runtime's end when the runtime dies, however it dies; the gateway then
// reads end-of-file here and terminates its whole process group (it is the group leader:
// the runtime spawns it detached). Its helper processes (spawn broker, sqlite worker) exit
// with it.
//
// Plain JavaScript on purpose: Node loads it into the gateway before openclaw.mjs.
import { Socket } from "node:net";

const FD_ENV = "AUTOPILOT_RUNTIME_WATCHDOG_FD";
const fd = process.env[FD_ENV];
// Remove the marker before openclaw starts: its own child processes inherit execArgv (so
// they load this module too) but must not treat their fd 3 as the runtime's pipe.
delete process.env[FD_ENV];

if (fd === "3") {
  let fired = false;
  const terminateGroup = () => {
    if (fired) return;
    fired = true;
    const signalGroup = (signal) => {
      try {
        process.kill(-process.pid, signal);
      } catch {
        process.kill(process.pid, signal);
      }
    };
    // SIGTERM first: the gateway shuts down cleanly in well under a second.
    signalGroup("SIGTERM");
    setTimeout(() => signalGroup("SIGKILL"), 5_000).unref();
  };
  const pipe = new Socket({ fd: 3, readable: true, writable: false });
  pipe.on("data", () => {});
  pipe.on("end", terminateGroup);
  pipe.on("close", terminateGroup);
  pipe.on("error", terminateGroup);
  // The pipe must not keep the gateway alive on its own.
  pipe.unref();
}
