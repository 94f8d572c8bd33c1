// vitest globalSetup of the agent workerd project (runs in Node; vitest.worker.config.ts
// gathers every .standin-setup.ts): the stand-in collector, whose base URL the Worker gets
// as OTEL_EXPORTER_OTLP_ENDPOINT, spoken to in OTLP/HTTP JSON (a workspace's own collector
// there may take protobuf).
import type { TestProject } from "vitest/node";
import { OtlpReceiver } from "./otlp-standin";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const receiver = new OtlpReceiver();
  await receiver.start();
  // The Worker's bindings it sets, under the key vitest.worker.config.ts reads for this file.
  project.provide(
    "standin-bindings:otlp",
    JSON.stringify({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      // Spans within a tenth of a second rather than the default five: tests wait on what arrived.
      OTEL_BSP_SCHEDULE_DELAY: "100",
      // A workspace's own collector may be this one over plain http (tests only).
      TRACES_TEST_ENDPOINT_HOST: new URL(receiver.url).host,
    }),
  );
  return () => receiver.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    "standin-bindings:otlp": string;
  }
}
