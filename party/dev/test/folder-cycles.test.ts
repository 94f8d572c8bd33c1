import { describe, expect, it } from "vitest";
import { folderCycles, folderOf } from "../folder-cycles.mjs";

const F = "party/rooms/autopilot/features";
const mod = (source: string, ...deps: (string | [string, "type-only"])[]) => ({
  source,
  dependencies: deps.map((d) =>
    typeof d === "string" ? { resolved: d, dependencyTypes: ["local"] } : { resolved: d[0], dependencyTypes: [d[1]] },
  ),
});

describe("folder cycles", () => {
  it("counts a file in its feature or a feature's subfolder, the kernel, its room or its part's top folder; tests in none", () => {
    expect(folderOf(`${F}/gateway-bridge/outbox.ts`)).toBe(`${F}/gateway-bridge`);
    expect(folderOf(`${F}/chats/platforms/slack.ts`)).toBe(`${F}/chats/platforms`);
    expect(folderOf(`${F}/list.ts`)).toBe(F);
    expect(folderOf("party/rooms/autopilot/kernel/connections/hello.ts")).toBe("party/rooms/autopilot/kernel");
    expect(folderOf("party/rooms/relay/community/publish.ts")).toBe("party/rooms/relay");
    expect(folderOf("runtime/sandbox/container/snapshot.mjs")).toBe("runtime/sandbox/container");
    expect(folderOf("party/api/routes.ts")).toBe("party/api");
    expect(folderOf(`${F}/agent/test/tools.test.ts`)).toBeNull();
    expect(folderOf("node_modules/zod/index.js")).toBeNull();
  });

  it("finds two features that reach each other through their index files, with the imports that do it", () => {
    const cycles = folderCycles([
      mod(`${F}/threads/index.ts`, `${F}/threads/threads.ts`),
      mod(`${F}/threads/threads.ts`, `${F}/inbox/index.ts`),
      mod(`${F}/inbox/index.ts`, `${F}/inbox/reads.ts`),
      mod(`${F}/inbox/reads.ts`, `${F}/threads/index.ts`),
    ]);
    expect(cycles).toEqual([
      {
        folders: [`${F}/inbox`, `${F}/threads`],
        imports: expect.arrayContaining([
          `${F}/threads → ${F}/inbox: ${F}/threads/threads.ts → ${F}/inbox/index.ts`,
          `${F}/inbox → ${F}/threads: ${F}/inbox/reads.ts → ${F}/threads/index.ts`,
        ]),
      },
    ]);
  });

  it("finds a feature and its own subfolder that import each other: a subfolder is no part of its feature's node", () => {
    const cycles = folderCycles([
      mod(`${F}/instances/index.ts`, `${F}/instances/channels/requests.ts`),
      mod(`${F}/instances/channels/requests.ts`, `${F}/instances/instances.ts`),
      mod(`${F}/instances/instances.ts`),
    ]);
    expect(cycles).toEqual([
      {
        folders: [`${F}/instances`, `${F}/instances/channels`],
        imports: expect.arrayContaining([
          `${F}/instances → ${F}/instances/channels: ${F}/instances/index.ts → ${F}/instances/channels/requests.ts`,
          `${F}/instances/channels → ${F}/instances: ${F}/instances/channels/requests.ts → ${F}/instances/instances.ts`,
        ]),
      },
    ]);
  });

  it("leaves out type-only imports and tests, and a chain that does not come back", () => {
    expect(
      folderCycles([
        mod(`${F}/agent/runner.ts`, `${F}/instances/index.ts`),
        mod(`${F}/instances/host.ts`, [`${F}/agent/runner.ts`, "type-only"]),
        mod(`${F}/instances/test/host.test.ts`, `${F}/agent/index.ts`),
        mod(`${F}/instances/index.ts`, `${F}/threads/index.ts`),
      ]),
    ).toEqual([]);
  });
});
