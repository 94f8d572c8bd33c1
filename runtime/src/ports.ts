// Loopback port helpers for the gateways.
import { createConnection, createServer } from "node:net";

/** Asks the OS for a free loopback port. Racy by nature: the caller retries on EADDRINUSE. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === "object" ? resolvePort(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolveFree(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isPortOpen(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (open: boolean) => {
      socket.destroy();
      resolveOpen(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Keeps the previous port when it is still free (a restart changes as little as possible), else a new one not in `taken`. */
export async function chooseGatewayPort(previous: number | undefined, taken: ReadonlySet<number>): Promise<number> {
  if (previous !== undefined && !taken.has(previous) && (await isPortFree(previous))) return previous;
  for (;;) {
    const port = await freeLoopbackPort();
    if (!taken.has(port)) return port;
  }
}
