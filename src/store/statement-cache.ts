/**
 * Prepared statements by SQL text, at most `max` of them. Search builds its SQL from the shape of
 * each query, so the number of distinct texts is unbounded; past the cap a statement is made for
 * its one use instead of being kept forever.
 */
export class StatementCache<S> {
  private readonly cache = new Map<string, S>();

  constructor(
    private readonly max: number,
    /** Makes the statement for `sql`; `kept` says whether it will be cached (and so reused). */
    private readonly make: (sql: string, kept: boolean) => S,
  ) {}

  get(sql: string): S {
    const cached = this.cache.get(sql);
    if (cached !== undefined) return cached;
    const kept = this.cache.size < this.max;
    const made = this.make(sql, kept);
    if (kept) this.cache.set(sql, made);
    return made;
  }

  get size(): number {
    return this.cache.size;
  }
}
