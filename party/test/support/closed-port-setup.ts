// vitest globalSetup of the "model-down" workerd project (runs in Node): a model URL on a
// loopback port nothing listens on, as when the model server is down.
import { createServer } from "node:net";
import type { TestProject } from "vitest/node";

export default async function setup(project: TestProject): Promise<void> {
  // A port that was just free and is closed again: connecting to it is refused.
  const server = createServer();
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
  await new Promise((resolve) => server.close(resolve));
  project.provide("downModelUrl", `http://127.0.0.1:${port}/v1`);
}

declare module "vitest" {
  export interface ProvidedContext {
    downModelUrl: string;
  }
}
