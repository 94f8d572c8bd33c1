// A secret a mutation keeps is sealed before its transaction, as sealing is asynchronous and a
// transaction is not: the method's `prepare` seals it, and its `run` (given the same params
// object) takes the sealed form. Nothing but the sealed form reaches storage.

export interface SealedBeforehand {
  /** For `prepare`: seals, and holds the result for this request until it is released. */
  put(params: object, sealing: Promise<string>): Promise<() => void>;
  /** For `run`: what `put` sealed for this request. */
  take(params: object): string;
}

export function sealedBeforehand(): SealedBeforehand {
  const sealed = new WeakMap<object, string>();
  return {
    put: async (params, sealing) => {
      sealed.set(params, await sealing);
      return () => sealed.delete(params);
    },
    take: (params) => {
      const value = sealed.get(params);
      if (value === undefined) throw new Error("the secret was not sealed before the transaction");
      return value;
    },
  };
}
