/**
 * A Map that keeps at most `max` entries, for what a room keeps in memory between requests:
 * setting a key makes it the newest, and past `max` the one set longest ago goes.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    // A Map iterates in insertion order: the first key is the one set longest ago.
    if (this.size > this.max) super.delete(this.keys().next().value as K);
    return this;
  }
}
