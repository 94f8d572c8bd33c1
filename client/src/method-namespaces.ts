// `client.threads.create(…)`, `client.jobs.list()`, …: one namespace per method family,
// derived from the method registry (shared/protocol/methods.ts), so the registry is the
// only list of methods and a new one is callable (and typed) without touching the client.
import { Methods, type MethodName, type MethodResult } from "../../shared/protocol/methods";
import type { RequestArgs } from "./client-types";

type Family<M extends MethodName> = M extends `${infer F}.${string}` ? F : never;
type Verb<F extends string, M extends MethodName> = M extends `${F}.${infer V}` ? V : never;
type Call<M extends MethodName> = (...args: RequestArgs<M>) => Promise<MethodResult<M>>;

export type MethodNamespaces = {
  [F in Family<MethodName>]: { [V in Verb<F, MethodName>]: Call<`${F}.${V}` & MethodName> };
};

export function methodNamespaces(request: (method: MethodName, args: unknown[]) => Promise<unknown>): MethodNamespaces {
  const namespaces: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const method of Object.keys(Methods) as MethodName[]) {
    const [family, verb] = method.split(".") as [string, string];
    namespaces[family] ??= {};
    namespaces[family][verb] = (...args) => request(method, args);
  }
  return namespaces as unknown as MethodNamespaces;
}
