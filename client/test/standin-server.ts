// The loopback HTTP server under a scripted stand-in for an external service (Slack's Web
// API, Telegram's Bot API): each request's body read whole, each answer JSON.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type Reply = (status: number, body: unknown) => void;

export interface StandinServer {
  url: string;
  stop(): Promise<void>;
}

export async function serveStandin(
  handle: (req: IncomingMessage, body: string, reply: Reply) => void,
): Promise<StandinServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () =>
      handle(req, Buffer.concat(chunks).toString("utf8"), (status, body) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
