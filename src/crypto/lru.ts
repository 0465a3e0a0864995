/**
 * A Map used as a least-recently-used cache: a hit moves to the end, and
 * past `limit` entries the oldest leaves first. Pure; one implementation for
 * every bounded key cache (parsed verifier keys, native KeyObjects).
 */
export function lruGet<K, V>(cache: Map<K, V>, limit: number, key: K, make: () => V): V {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const value = make();
  cache.set(key, value);
  if (cache.size > limit) cache.delete(cache.keys().next().value as K);
  return value;
}
