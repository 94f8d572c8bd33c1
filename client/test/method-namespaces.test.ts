import { describe, expect, it } from "vitest";
import { Methods, type MethodName } from "../../shared/protocol/methods";
import type { AutopilotClient } from "../src/client";
import { methodNamespaces, type MethodNamespaces } from "../src/method-namespaces";

/**
 * The client class declares each family's type by hand (`declare readonly billing: …`): a
 * family of the registry without its line there would be callable but untyped. This record
 * needs a key per such family, so one left out fails the type check.
 */
const undeclaredFamilies: Record<Exclude<keyof MethodNamespaces, keyof AutopilotClient>, true> = {};

describe("client method namespaces", () => {
  it("offer every method of the registry as family.verb, and call it by its own name", async () => {
    const calls: [MethodName, unknown[]][] = [];
    const namespaces = methodNamespaces(async (method, args) => {
      calls.push([method, args]);
      return method;
    }) as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
    for (const method of Object.keys(Methods) as MethodName[]) {
      const [family, verb] = method.split(".") as [string, string];
      const call = namespaces[family]?.[verb];
      expect(call, method).toBeTypeOf("function");
      expect(await call!({ probe: method }, { timeoutMs: 5 })).toBe(method);
    }
    expect(calls.map(([method]) => method)).toEqual(Object.keys(Methods));
    expect(calls[0]![1]).toEqual([{ probe: calls[0]![0] }, { timeoutMs: 5 }]);
    expect(undeclaredFamilies).toEqual({});
  });
});
