// A TTL cache for what the cloud says rarely changes (DescribePrice answers, instance type facts, the
// PAI-DLC spec list), shared by every activity of a worker so a quote does not ask again what another
// quote asked a minute ago (docs/quotes.md).
//
// - An entry younger than its TTL is served with the time it was fetched, so the comparison can show
//   its age; an entry at or past its TTL is never served: the caller waits for a new fetch.
// - Past half its TTL an entry is still served, and refreshed in the background; `refreshDue` (run by
//   a timer) does the same for every entry read within the last TTL, so a busy worker keeps them warm.
// - Concurrent misses of one key share one fetch (many quotes at once make one call, not one each).
// - A failed fetch is not cached: the caller gets the error; a refresh that fails leaves the old entry
//   to expire at its TTL.

export interface Cached<T> {
  value: T;
  /** Epoch ms at which the cloud answered. */
  fetchedAt: number;
}

interface Entry<T> {
  cached?: Cached<T>;
  inflight?: Promise<Cached<T>>;
  lastReadAt: number;
  fetch: () => Promise<T>;
}

export interface TtlCacheOptions {
  /** How long an answer may be served; 0 turns the cache off (every get fetches). */
  ttlMs: number;
  /** Entries older than this are refreshed in the background (default half the TTL). */
  refreshAfterMs?: number;
  now?: () => number;
}

export class TtlCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  readonly ttlMs: number;
  private readonly refreshAfterMs: number;
  private readonly now: () => number;

  constructor(options: TtlCacheOptions) {
    this.ttlMs = Math.max(0, options.ttlMs);
    this.refreshAfterMs = Math.min(this.ttlMs, options.refreshAfterMs ?? this.ttlMs / 2);
    this.now = options.now ?? Date.now;
  }

  /** A fresh answer for `key`: from the cache while younger than the TTL, otherwise fetched now. */
  async get(key: string, fetch: () => Promise<T>): Promise<Cached<T>> {
    const now = this.now();
    const entry = this.entry(key, fetch);
    entry.lastReadAt = now;
    const cached = entry.cached;
    if (cached && now - cached.fetchedAt < this.ttlMs) {
      if (now - cached.fetchedAt >= this.refreshAfterMs) this.refreshInBackground(entry);
      return cached;
    }
    return this.load(entry);
  }

  /** Asks the cloud whatever the cache holds (a re-quote before a paid create), and keeps the answer. */
  async fetchLive(key: string, fetch: () => Promise<T>): Promise<Cached<T>> {
    const entry = this.entry(key, fetch);
    entry.lastReadAt = this.now();
    return this.load(entry, true);
  }

  /** The cached answer whatever its age, for inspection; undefined when there is none. */
  peek(key: string): Cached<T> | undefined {
    return this.entries.get(key)?.cached;
  }

  /**
   * Refreshes the entries read within the last TTL that are past the refresh age; forgets the ones
   * nobody read for a whole TTL once they have expired. Returns how many refreshes it started.
   */
  async refreshDue(): Promise<number> {
    const now = this.now();
    const started: Promise<unknown>[] = [];
    for (const [key, entry] of this.entries) {
      const age = entry.cached ? now - entry.cached.fetchedAt : Number.POSITIVE_INFINITY;
      if (now - entry.lastReadAt >= this.ttlMs) {
        if (age >= this.ttlMs && !entry.inflight) this.entries.delete(key);
        continue;
      }
      if (age >= this.refreshAfterMs && !entry.inflight)
        started.push(this.load(entry).catch(() => undefined));
    }
    await Promise.all(started);
    return started.length;
  }

  /** Runs `refreshDue` every `intervalMs` without keeping the process alive; returns the stop function. */
  refreshEvery(intervalMs: number): () => void {
    if (this.ttlMs === 0) return () => undefined;
    const timer = setInterval(() => void this.refreshDue(), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  get size(): number {
    return this.entries.size;
  }

  private entry(key: string, fetch: () => Promise<T>): Entry<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { lastReadAt: this.now(), fetch };
      this.entries.set(key, entry);
    }
    entry.fetch = fetch;
    return entry;
  }

  private refreshInBackground(entry: Entry<T>): void {
    if (!entry.inflight) this.load(entry).catch(() => undefined);
  }

  /** One fetch per entry at a time; `live` never joins a fetch that started before it was asked for. */
  private load(entry: Entry<T>, live = false): Promise<Cached<T>> {
    if (entry.inflight && !live) return entry.inflight;
    const asked = this.now();
    const run = entry
      .fetch()
      .then((value) => {
        // Stamped with the moment it was asked for: the age shown never flatters the answer.
        const cached = { value, fetchedAt: asked };
        if (this.ttlMs > 0 && (!entry.cached || entry.cached.fetchedAt <= cached.fetchedAt))
          entry.cached = cached;
        return cached;
      })
      .finally(() => {
        if (entry.inflight === run) entry.inflight = undefined;
      });
    entry.inflight = run;
    return run;
  }
}
