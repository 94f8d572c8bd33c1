import { describe, expect, it } from "vitest";
import type { DurableEvent } from "../../../../shared/protocol/events";
import { type MethodName, Methods } from "../../../../shared/protocol/methods";
import type { Principal } from "../../../../shared/protocol/principal";
import type { OpEffects } from "./commit";
import { CommitBus } from "./commit";
import type { DispatchOutcome } from "./dispatch";
import { Executor } from "./dispatch";
import type { Feature, News } from "./feature";
import { local, methodTable, methods, query } from "./handlers";

const person: Principal = { id: "user_1", kind: "user", name: "Ada", scopes: ["read", "write"] };
const memoryEvent = (seq: number, key: string): DurableEvent =>
  ({ seq, event: "memory.deleted", payload: { key } }) as DurableEvent;

describe("the after-commit bus", () => {
  it("delivers to the clients first, then each feature in order: its reactions by event, then afterCommit", () => {
    const seen: string[] = [];
    const a: Feature = {
      name: "a",
      reactions: { "memory.deleted": ({ key }) => seen.push(`a reacts ${key}`) },
      afterCommit: (effects) => seen.push(`a after ${effects.events.length}`),
    };
    const b: Feature = { name: "b", afterCommit: () => seen.push("b after") };
    const c: Feature = { name: "c", reactions: { "thread.created": () => seen.push("c never") } };
    const bus = new CommitBus(
      (effects) => seen.push(`deliver ${effects.events.map((e) => e.seq).join(",")}`),
      [a, b, c],
    );
    bus.publish({ events: [memoryEvent(1, "x"), memoryEvent(2, "y")], wakeups: [], news: [] });
    expect(seen).toEqual(["deliver 1,2", "a reacts x", "a reacts y", "a after 2", "b after"]);
  });

  it("publishes a commit made by a reaction after every feature heard of the outer one", () => {
    const seen: string[] = [];
    const effects: OpEffects = { events: [memoryEvent(1, "outer")], wakeups: [], news: [] };
    let bus: CommitBus;
    const reacting: Feature = {
      name: "reacting",
      reactions: {
        "memory.deleted": ({ key }) =>
          key === "outer" ? bus.publish({ events: [memoryEvent(2, "inner")], wakeups: [], news: [] }) : undefined,
      },
    };
    const later: Feature = { name: "later", afterCommit: (e) => seen.push(`later ${e.events[0]!.seq}`) };
    bus = new CommitBus((e) => seen.push(`deliver ${e.events[0]!.seq}`), [reacting, later]);
    bus.publish(effects);
    expect(seen).toEqual(["deliver 1", "later 1", "deliver 2", "later 2"]);
  });

  it("still publishes the commits a reaction made when a later one throws", () => {
    const seen: string[] = [];
    let bus: CommitBus;
    const reacting: Feature = {
      name: "reacting",
      reactions: {
        "memory.deleted": ({ key }) => {
          if (key === "outer") bus.publish({ events: [memoryEvent(2, "inner")], wakeups: [], news: [] });
        },
      },
    };
    const throwing: Feature = {
      name: "throwing",
      afterCommit: (e) => {
        if (e.events[0]!.seq === 1) throw new Error("broken");
      },
    };
    bus = new CommitBus((e) => seen.push(`deliver ${e.events[0]!.seq}`), [reacting, throwing]);
    expect(() => bus.publish({ events: [memoryEvent(1, "outer")], wakeups: [], news: [] })).toThrow("broken");
    expect(seen).toEqual(["deliver 1", "deliver 2"]);
  });
});

describe("the room's news on the bus", () => {
  // News items are declared by the features that tell them; these stand for any.
  const told = (news: string, payload: unknown) => ({ news, payload }) as unknown as News;
  const hearing = (name: string, seen: string[], react: Record<string, (payload: unknown) => void> = {}): Feature => ({
    name,
    reactions: {
      "memory.deleted": ({ key }) => seen.push(`${name} reacts ${key}`),
      ...Object.fromEntries(
        ["money", "alerts"].map((news) => [
          news,
          (payload: unknown) => {
            seen.push(`${name} hears ${news} ${JSON.stringify(payload)}`);
            react[news]?.(payload);
          },
        ]),
      ),
    } as Feature["reactions"],
  });

  it("is heard once per burst of commits, after all of them, with the payload told last", () => {
    const seen: string[] = [];
    let bus: CommitBus;
    const a = hearing("a", seen, {});
    const b: Feature = {
      name: "b",
      reactions: {
        "memory.deleted": ({ key }) => {
          if (key === "outer")
            bus.publish({ events: [memoryEvent(2, "inner")], wakeups: [], news: [told("money", { n: 2 })] });
        },
      },
    };
    const c = hearing("c", seen);
    bus = new CommitBus((e) => seen.push(`deliver ${e.events.map((x) => x.seq).join(",")}`), [a, b, c]);
    bus.publish({ events: [memoryEvent(1, "outer")], wakeups: [], news: [told("money", { n: 1 })] });
    expect(seen).toEqual([
      "deliver 1",
      "a reacts outer",
      "c reacts outer",
      "deliver 2",
      "a reacts inner",
      "c reacts inner",
      'a hears money {"n":2}',
      'c hears money {"n":2}',
    ]);
  });

  it("goes out again for a commit a news reaction makes, after that commit", () => {
    const seen: string[] = [];
    let bus: CommitBus;
    const a = hearing("a", seen, {
      money: () => bus.publish({ events: [memoryEvent(2, "alerted")], wakeups: [], news: [told("alerts", 1)] }),
    });
    const c = hearing("c", seen);
    bus = new CommitBus((e) => seen.push(`deliver ${e.events.map((x) => x.seq).join(",")}`), [a, c]);
    bus.publish({ events: [], wakeups: [], news: [told("money", 0)] });
    expect(seen).toEqual([
      "deliver ",
      "a hears money 0",
      "c hears money 0",
      "deliver 2",
      "a reacts alerted",
      "c reacts alerted",
      "a hears alerts 1",
      "c hears alerts 1",
    ]);
  });

  it("still goes out when a reaction to the commit that told it throws", () => {
    const seen: string[] = [];
    const throwing: Feature = {
      name: "throwing",
      afterCommit: () => {
        throw new Error("broken");
      },
    };
    const bus = new CommitBus(() => {}, [throwing, hearing("c", seen)]);
    expect(() => bus.publish({ events: [], wakeups: [], news: [told("money", 1)] })).toThrow("broken");
    expect(seen).toEqual(["c hears money 1"]);
  });
});

describe("the one entry for requests", () => {
  const answer = (ok: boolean): DispatchOutcome =>
    ok
      ? { response: { type: "res", id: "r", ok: true, payload: { message: { id: "m" } } } }
      : {
          response: { type: "res", id: "r", ok: false, error: { code: "forbidden", message: "no", retryable: false } },
        };

  it("answers the requester before the features hear of it, and only of an ok answer", async () => {
    const seen: string[] = [];
    let ok = true;
    const executor = new Executor(
      () => answer(ok),
      (a) => seen.push(`answered ${a.method} via ${a.via}`),
    );
    executor.execute(
      { principal: person, via: "socket", now: 0, setStatus: () => ({}) as never },
      { type: "req", id: "r", method: "chat.send", params: {} },
      () => seen.push("reply"),
    );
    ok = false;
    executor.execute(
      { principal: person, via: "socket", now: 0 },
      { type: "req", id: "r", method: "chat.send", params: {} },
      () => seen.push("reply"),
    );
    expect(seen).toEqual(["reply", "answered chat.send via socket", "reply"]);
  });

  it("tells the features whom the requester acted for", async () => {
    const heard: unknown[] = [];
    const executor = new Executor(
      () => answer(true),
      (a) => heard.push(a.onBehalfOf ?? null),
    );
    const binder = { id: "user_2", kind: "user" as const, name: "Bo" };
    const guest: Principal = { id: "chat-guest:slack:U1", kind: "user", name: "U1 (Slack)", scopes: ["write"] };
    await executor.call({ principal: guest, via: "slack", onBehalfOf: binder }, "chat.send", {});
    await executor.call({ principal: person, via: "socket" }, "chat.send", {});
    expect(heard).toEqual([binder, null]);
  });

  it("waits for an asynchronous dispatch; invoke throws a refusal as code: message", async () => {
    const seen: string[] = [];
    let ok = true;
    const executor = new Executor(
      async () => answer(ok),
      (a) => seen.push(`answered via ${a.via}`),
    );
    expect(await executor.invoke({ principal: person, via: "tool" }, "chat.send", {})).toEqual({
      message: { id: "m" },
    });
    ok = false;
    await expect(executor.invoke({ principal: person, via: "mcp" }, "chat.send", {})).rejects.toThrow("forbidden: no");
    expect(seen).toEqual(["answered via tool"]);
  });

  it("gives a request without a socket a presence update that is refused", async () => {
    const executor = new Executor(
      (as) => {
        as.setStatus("away");
        return answer(true);
      },
      () => undefined,
    );
    await expect(executor.call({ principal: person, via: "mcp" }, "presence.update", {})).rejects.toThrow(
      /only a client's socket/,
    );
  });
});

describe("the method table", () => {
  const all = Object.keys(Methods) as MethodName[];
  const rest = methods(
    Object.fromEntries(all.filter((m) => m !== "usage.list").map((m) => [m, local(() => ({}) as never)])) as never,
  );

  it("takes each method from the one feature that answers it", () => {
    const usage = query<"usage.list">(() => ({ usage: [] }) as never);
    const table = methodTable(
      [
        { name: "rest", methods: rest },
        { name: "usage", methods: methods({ "usage.list": usage }) },
      ],
      all,
    );
    expect(table["usage.list"]).toBe(usage);
    expect(Object.keys(table).sort()).toEqual([...all].sort());
  });

  it("refuses a method nobody answers, and one two features answer", () => {
    expect(() => methodTable([{ name: "rest", methods: rest }], all)).toThrow("no feature answers usage.list");
    const twice = methods({ "usage.list": query<"usage.list">(() => ({ usage: [] }) as never) });
    expect(() =>
      methodTable(
        [
          { name: "rest", methods: rest },
          { name: "one", methods: twice },
          { name: "two", methods: twice },
        ],
        all,
      ),
    ).toThrow("usage.list is answered by two features: one and two");
  });
});
