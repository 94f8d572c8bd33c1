import { describe, expect, it } from "vitest";
import type { Principal } from "../../../../shared/protocol/principal";
import { defineFeature } from "./feature";
import { buildFeatures, orderFeatures, scheduleNames } from "./features";
import type { RoomServices } from "./services";

const services = {
  sql: {},
  commit: () => undefined,
  currentAccess: async () => ({ ok: true }),
  clients: { presence: () => [] },
} as unknown as RoomServices;
const ada: Principal = { id: "user_1", kind: "user", name: "Ada", scopes: ["read"] };

describe("the features' order", () => {
  const base = defineFeature({ name: "zeta-base", build: () => ({ api: { value: 41 } }) });
  const user = defineFeature({
    name: "alpha-user",
    needs: [base],
    build: (_s, { "zeta-base": needed }) => ({ api: { value: needed.value + 1 } }),
  });
  const other = defineFeature({ name: "middle", build: () => ({}) });

  it("puts each feature after what it needs, the rest by name, wherever they stand in the list", () => {
    const names = (list: Parameters<typeof orderFeatures>[0]) => orderFeatures(list).map((d) => d.name);
    expect(names([user, other, base])).toEqual(["middle", "zeta-base", "alpha-user"]);
    expect(names([base, user, other])).toEqual(["middle", "zeta-base", "alpha-user"]);
  });

  it("builds a feature with the APIs of what it needs", () => {
    const seen: number[] = [];
    const reader = defineFeature({
      name: "reader",
      needs: [user],
      build: (_s, { "alpha-user": needed }) => {
        seen.push(needed.value);
        return {};
      },
    });
    buildFeatures([reader, base, user], services);
    expect(seen).toEqual([42]);
  });

  it("refuses a need that is not installed, two features of one name and a cycle", () => {
    expect(() => orderFeatures([user])).toThrow("feature alpha-user needs zeta-base, which is not installed");
    expect(() => orderFeatures([other, other])).toThrow("two features are named middle");
    const a = defineFeature({ name: "a", needs: [] as never[], build: () => ({}) });
    const b = defineFeature({ name: "b", needs: [a], build: () => ({}) });
    (a.needs as unknown[]).push(b);
    expect(() => orderFeatures([a, b])).toThrow("the features a, b need each other");
  });
});

describe("what the features give the room", () => {
  it("takes each schedule, context part and RPC from one feature only", () => {
    const one = defineFeature({ name: "one", schedules: ["tick"], build: () => ({ schedules: { tick: () => 1 } }) });
    const two = defineFeature({ name: "two", schedules: ["tick"], build: () => ({ schedules: { tick: () => 2 } }) });
    expect(scheduleNames([one])).toEqual(["tick"]);
    expect(() => scheduleNames([one, two])).toThrow("the schedule tick is declared by two features: one and two");
    const undeclared = defineFeature({ name: "sly", build: () => ({ schedules: { tock: () => 0 } }) });
    expect(() => buildFeatures([undeclared], services)).toThrow(
      "feature sly runs the schedule tock it does not declare",
    );
    const rpcA = defineFeature({ name: "ra", build: () => ({ rpc: { ping: () => "a" } }) });
    const rpcB = defineFeature({ name: "rb", build: () => ({ rpc: { ping: () => "b" } }) });
    expect(() => buildFeatures([rpcA, rpcB], services)).toThrow("rpc.ping is given by two features: ra and rb");
    expect(buildFeatures([rpcA], services).rpc.ping()).toBe("a");
  });

  it("puts a hello together: every feature's streams, the rest from the one that gives it", () => {
    const stream = (id: string) => ({ id }) as never;
    const a = defineFeature({
      name: "a",
      build: () => ({ streams: () => [stream("s1")], hello: () => ({ sessions: [] }) }),
    });
    const b = defineFeature({
      name: "b",
      build: () => ({
        streams: () => [stream("s2")],
        hello: (p: Principal) => ({ reads: [{ threadId: p.id }] as never }),
      }),
    });
    const hello = buildFeatures([b, a], services).hello(ada);
    expect(hello.live?.streams).toEqual([{ id: "s1" }, { id: "s2" }]);
    expect(hello.reads).toEqual([{ threadId: "user_1" }]);
  });

  it("puts a bump together: the thread from the feature that knows it, its streams without their text", () => {
    const run = (runId: string, threadId: string) =>
      ({ runId, threadId, instanceId: null, text: "secret so far", startedAt: 5 }) as never;
    const streaming = defineFeature({
      name: "s",
      build: () => ({ streams: () => [run("r1", "t1"), run("r2", "t2")] }),
    });
    const counts = { messageCount: 3, lastMessageAt: 4, updatedAt: 4, lastN: 9 };
    const threads = defineFeature({
      name: "t",
      build: () => ({ bump: (threadId: string) => (threadId === "t1" ? { threadId, ...counts } : undefined) }),
    });
    const built = buildFeatures([streaming, threads], services);
    expect(built.bump("t1")).toEqual({
      threadId: "t1",
      ...counts,
      streams: [{ runId: "r1", instanceId: null, startedAt: 5 }],
    });
    expect(built.bump("t2")).toBeNull();
  });
});

describe("the kernel", () => {
  it("names no feature: no method of the registry, no namespace's prefix", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { Methods } = await import("../../../../shared/protocol/methods");
    const namespaces = new Set(Object.keys(Methods).map((method) => method.split(".")[0]!));
    const here = decodeURIComponent(new URL(".", import.meta.url).pathname);
    const named: string[] = [];
    const files = readdirSync(here, { recursive: true }) as string[];
    for (const file of files.filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      const code = String(readFileSync(`${here}/${file}`, "utf8"))
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
      // A method's name, or a namespace's prefix ("approvals."): events (the kernel's presence.diff) are not features.
      for (const [, literal] of code.matchAll(/["'`]([a-z]+\.[a-zA-Z]*)["'`]/g)) {
        const [namespace, rest] = literal!.split(".");
        if (literal! in Methods || (rest === "" && namespaces.has(namespace!))) named.push(`${file}: ${literal}`);
      }
    }
    expect(named).toEqual([]);
  });
});
