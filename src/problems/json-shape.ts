/**
 * Checks on a parsed JSON value that must run before class-transformer sees it. class-transformer
 * walks nested values recursively (a body nested 10,000 levels deep overflows the stack: a 500),
 * and class-validator's whitelist misses keys named like Object.prototype members (`constructor`,
 * `toString`), so an unknown field by those names would be silently accepted.
 */

/** Nesting depth of `value`, measured with an explicit stack (never recursion), up to `limit + 1`. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Own keys of `value` that are not among `allowed`. */
export function unknownKeys(value: object, allowed: ReadonlySet<string>): string[] {
  return Object.keys(value).filter((key) => !allowed.has(key));
}
