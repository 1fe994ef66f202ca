/** The `name` of an AWS SDK v3 error (its service exception type), or `undefined`. */
export function errorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'name' in e ? String(e.name) : undefined;
}
