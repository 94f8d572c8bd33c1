import { describe, expect, it } from "vitest";
import { kernelReachesFeatures } from "../kernel-reach.mjs";

const K = "party/rooms/autopilot/kernel";
const F = "party/rooms/autopilot/features";
const mod = (source: string, ...deps: string[]) => ({ source, dependencies: deps.map((resolved) => ({ resolved })) });

describe("the kernel reaches no feature", () => {
  it("finds a feature the kernel reaches through a module beside it, with the path", () => {
    expect(
      kernelReachesFeatures([
        mod(`${K}/dispatch.ts`, `${K}/handlers.ts`),
        mod(`${K}/handlers.ts`, "party/rooms/autopilot/request-context.ts"),
        mod("party/rooms/autopilot/request-context.ts", `${F}/agent/runner.ts`),
        mod(`${F}/agent/runner.ts`),
      ]),
    ).toEqual([
      `${K}/dispatch.ts → ${K}/handlers.ts → party/rooms/autopilot/request-context.ts → ${F}/agent/runner.ts`,
      `${K}/handlers.ts → party/rooms/autopilot/request-context.ts → ${F}/agent/runner.ts`,
    ]);
  });

  it("walks not through the Worker's bindings, and not from the kernel's tests", () => {
    expect(
      kernelReachesFeatures([
        mod(`${K}/services.ts`, "party/env.ts", "party/domain/sql.ts"),
        mod("party/env.ts", `${F}/agent/config.ts`),
        mod("party/domain/sql.ts"),
        mod(`${K}/features.test.ts`, `${F}/pins/index.ts`),
      ]),
    ).toEqual([]);
  });
});
