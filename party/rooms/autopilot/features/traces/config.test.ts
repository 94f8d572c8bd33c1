import { describe, expect, it } from "vitest";
import { tracesUrl } from "../../../../../shared/otlp-endpoint";
import { operatorTarget, parseHeaders, queueLimits } from "./config";
import { endpointRefusal } from "./settings";

describe("where spans go", () => {
  it("reads the operator's collector from the standard variables, and nothing from bad ones", () => {
    expect(operatorTarget({})).toBeNull();
    expect(operatorTarget({ OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://collector" })).toBeNull();
    expect(
      operatorTarget({
        OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example/otlp/",
        OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=a%20b, Authorization=Basic%20xyz,bad,=x,k=%E0%A4%A",
      }),
    ).toEqual({
      url: "https://collector.example/otlp/v1/traces",
      headers: { "x-api-key": "a b", authorization: "Basic xyz" },
      protocol: "http/protobuf",
    });
    expect(tracesUrl("https://a.example", "https://b.example/custom")).toBe("https://b.example/custom");
    expect(parseHeaders(undefined)).toEqual({});
  });

  it("bounds the queue by the batch processor's variables", () => {
    expect(queueLimits({})).toEqual({ maxQueue: 2048, maxBatch: 512, delayMs: 5000 });
    expect(
      queueLimits({
        OTEL_BSP_MAX_QUEUE_SIZE: "10",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "50",
        OTEL_BSP_SCHEDULE_DELAY: "0",
      }),
    ).toEqual({ maxQueue: 10, maxBatch: 10, delayMs: 0 });
    // A bad value takes the default; one past the bound is held to it (a batch, to the queue).
    expect(
      queueLimits({
        OTEL_BSP_MAX_QUEUE_SIZE: "-1",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "x",
        OTEL_BSP_SCHEDULE_DELAY: "-5",
      }),
    ).toEqual({ maxQueue: 2048, maxBatch: 512, delayMs: 5000 });
    expect(
      queueLimits({
        OTEL_BSP_MAX_QUEUE_SIZE: "1e9",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1e9",
        OTEL_BSP_SCHEDULE_DELAY: "1e9",
      }),
    ).toEqual({ maxQueue: 100_000, maxBatch: 4096, delayMs: 60_000 });
  });

  it("takes a workspace's own collector only over https to a host name, without credentials", () => {
    expect(endpointRefusal("https://api.honeycomb.io", null)).toBeNull();
    expect(endpointRefusal("http://collector.example", null)).toMatch(/https/);
    for (const url of ["https://localhost:4318", "https://10.0.0.1", "https://[::1]", "https://a.localhost"])
      expect(endpointRefusal(url, null)).toMatch(/host name/);
    expect(endpointRefusal("https://u:p@collector.example", null)).toMatch(/credentials/);
    expect(endpointRefusal("not a url", null)).toMatch(/not a URL/);
    expect(endpointRefusal("http://127.0.0.1:9999/x", "127.0.0.1:9999")).toBeNull();
  });
});
