type Listener<Args extends unknown[]> = (...args: Args) => void;

/** A minimal typed event emitter that works the same in browsers and Node. */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  #listeners = new Map<keyof Events, Set<Listener<unknown[]>>>();

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    // Wrap so the same function can be subscribed twice and unsubscribed independently.
    const entry: Listener<unknown[]> = (...args) => listener(...(args as Events[K]));
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit<K extends keyof Events>(name: K, ...args: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        // A throwing listener must not break frame processing (and with it seq tracking);
        // rethrow outside so it is still reported like any uncaught error.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
