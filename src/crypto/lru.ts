/**
 * A Map used as a least-recently-used cache: a hit moves to the end, and
 * past `limit` entries the oldest leaves first. Pure; one implementation for
 * every bounded cache (parsed verifier keys, native KeyObjects, the intake's
 * devices and keys).
 */

/** The cached value of `key`, now the most recently used; undefined when absent. */
export function lruTouch<K, V>(cache: Map<K, V>, key: K): V | undefined {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
  }
  return hit;
}

/** Caches `value` as the most recently used; past `limit` entries the oldest leave. */
export function lruPut<K, V>(cache: Map<K, V>, limit: number, key: K, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  while (cache.size > limit) cache.delete(cache.keys().next().value as K);
}

/** The cached value of `key`, made and cached when absent. */
export function lruGet<K, V>(cache: Map<K, V>, limit: number, key: K, make: () => V): V {
  const hit = lruTouch(cache, key);
  if (hit !== undefined) return hit;
  const value = make();
  lruPut(cache, limit, key, value);
  return value;
}
