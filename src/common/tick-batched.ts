import DataLoader from 'dataloader';

/**
 * `read`, shared by the calls made in the same tick (the deliveries that one Redis reply woke together):
 * each distinct key is read once, after every one of those calls has asked. DataLoader's batching
 * without its cache, so no answer is older than the call that asked for it, and a switch an operator
 * turned or a breaker another worker opened a moment before is seen.
 */
export function tickBatched<K, V>(read: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const loader = new DataLoader<K, V>(
    async (keys) => {
      const distinct = [...new Set(keys)];
      const values = new Map(await Promise.all(distinct.map(async (key) => [key, await read(key)] as const)));
      return keys.map((key) => values.get(key) as V);
    },
    { cache: false },
  );
  return (key) => loader.load(key);
}
