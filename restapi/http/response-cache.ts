/**
 * Answers to GET requests kept until the store changes, validated against the store's change feed on
 * every request, so a kept answer is never older than what the store holds, whichever process
 * wrote to it (another REST server, the supervisor's engine, a client socket).
 *
 * INVARIANTS
 * - The store appends a ChangeEvent in the same transaction as every committed user-visible change
 *   (store port header), so its change-feed head moves with every such change and never goes back.
 * - An entry is made from data read *after* the head it is filed under (`lookup` reads the head
 *   first; the route then reads the store). Data read later is at least as new as that head, and
 *   while the head has not moved, nothing user-visible has changed since: the entry is exactly
 *   what a fresh read would answer.
 * - An entry is served only while the head is the one it was filed under: every lookup reads the
 *   head, and the first lookup that sees another head (newer, or older after a restore) drops
 *   every entry. An entry filed under an older head than the newest seen is not kept.
 * - Only routes whose answer depends on the store (through the caller and the request URL) and on
 *   nothing else are cached (`RouteSpec.cacheable`): not devices (their `lastSeen` is written
 *   without a ChangeEvent), not logs, nothing that reads the clock.
 * - The caller is part of the key, and authentication and authorisation run before every lookup.
 */
import { LRUCache } from 'lru-cache';

/** A kept answer: what is written back, byte for byte. */
export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ResponseCacheOptions {
  /** Most bytes of answers kept (bodies and keys); least recently used first out. */
  maxBytes: number;
  /** The store's change-feed head (`store.changes.head`). */
  head(): Promise<number>;
}

/** Counters, for tests and diagnostics. */
export interface ResponseCacheStats {
  hits: number;
  misses: number;
  /** Times a new head dropped the entries. */
  invalidations: number;
}

export interface Lookup {
  /** The head read for this request: file an answer made now under it (`put`). */
  head: number;
  /** The kept answer, when still valid. */
  hit: CachedResponse | undefined;
}

export class ResponseCache {
  private readonly entries: LRUCache<string, CachedResponse>;
  /** The newest head seen: every kept entry was filed under it. */
  private current = Number.NaN;
  readonly stats: ResponseCacheStats = { hits: 0, misses: 0, invalidations: 0 };

  constructor(private readonly options: ResponseCacheOptions) {
    this.entries = new LRUCache<string, CachedResponse>({
      maxSize: Math.max(1, options.maxBytes),
      sizeCalculation: (entry, key) => entry.body.length + key.length + 256,
    });
  }

  /** Reads the store's head, drops the entries it outdates, and returns the entry for `key` if any. */
  async lookup(key: string): Promise<Lookup> {
    const head = await this.options.head();
    if (head !== this.current) {
      if (this.entries.size > 0) {
        this.entries.clear();
        this.stats.invalidations += 1;
      }
      this.current = head;
    }
    const hit = this.entries.get(key);
    if (hit === undefined) this.stats.misses += 1;
    else this.stats.hits += 1;
    return { head, hit };
  }

  /** Keeps an answer made from data read after `head` was; ignored when the store has moved since. */
  put(key: string, head: number, response: CachedResponse): void {
    if (head !== this.current) return;
    this.entries.set(key, response);
  }

  /** Number of kept answers. */
  get size(): number {
    return this.entries.size;
  }
}
