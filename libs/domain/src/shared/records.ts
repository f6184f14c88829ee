/**
 * Looks up a key in a plain-object map by own property only: client-chosen ids
 * such as "constructor" or "__proto__" must never find Object.prototype members.
 */
export function own<V>(map: Record<string, V>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}
