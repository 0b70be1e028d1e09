import DataLoader from 'dataloader';

/**
 * Reads asked for in the same tick (the deliveries that one Redis reply woke together) share one read a
 * distinct key, made once every one of them has asked: DataLoader's batching without its cache, so no
 * answer is older than the call that asked for it, and a switch an operator turned or a breaker another
 * worker opened a moment before is seen. `read` gets each distinct key once and answers in their order.
 */
export function tickBatched<K, V>(read: (keys: K[]) => Promise<V[]>): (key: K) => Promise<V> {
  const loader = new DataLoader<K, V>(
    async (keys) => {
      const distinct = [...new Set(keys)];
      const values = await read(distinct);
      const byKey = new Map(distinct.map((key, index) => [key, values[index]]));
      return keys.map((key) => byKey.get(key) as V);
    },
    { cache: false },
  );
  return (key) => loader.load(key);
}
