/**
 * The SQLite connection and its transaction discipline.
 *
 * INVARIANTS
 * - Every write runs in `write()`: one `BEGIN IMMEDIATE` transaction, so the write lock is taken up
 *   front and two processes never deadlock on a read-to-write lock upgrade (the loser waits for
 *   `busy_timeout` instead of failing with SQLITE_BUSY).
 * - Reads that touch several statements run in `read()`: one deferred transaction, i.e. one WAL
 *   snapshot, so a page and its total, or a run and its attempts, are consistent with each other.
 * - better-sqlite3 is synchronous: a transaction never spans an `await`, so no other code of this
 *   process interleaves with it.
 * - Change events are only recorded inside `write()` (checked), so they commit with their change.
 */
import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { nowIso, type Id } from '../../domain/ids.js';
import type { EntityKind } from '../../domain/model.js';

/** How long a writer waits for another process's write lock before failing. @default 5000 */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export type Connection = Database.Database;
export type Statement = Database.Statement<unknown[], unknown>;

/**
 * Creates the database file readable by its owner only (it holds password hashes), before SQLite
 * opens it; SQLite gives its `-wal` and `-shm` files the same mode.
 */
function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** Opens the file with WAL, foreign keys, `synchronous=NORMAL` and a busy timeout. */
export function openConnection(file: string, busyTimeoutMs: number): Connection {
  createPrivateFile(file);
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`SQLite store ${file}: cannot switch to WAL mode (got "${String(mode)}")`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** What every repository of the adapter works with: the connection, cached statements, transactions. */
export class SqliteContext {
  private readonly statements = new Map<string, Statement>();
  /** Kept apart: `pluck()` changes a statement's mode, so a plucking one is never shared with a row reader. */
  private readonly plucking = new Map<string, Statement>();
  /**
   * Statements whose SQL text is built per call (list filters and sorts): many shapes are possible,
   * so they are kept in a bounded cache rather than prepared afresh each time (preparing costs as
   * much as running a small page).
   */
  private readonly builtStatements = new LRUCache<string, Statement>({ max: 256 });
  /** Kept apart like `plucking`: `raw()` changes a statement's mode. */
  private readonly rawStatements = new LRUCache<string, Statement>({ max: 256 });
  private readonly runner: Database.Transaction<(fn: () => unknown) => unknown>;
  /** The transaction this connection is in, if any. */
  private mode: 'none' | 'read' | 'write' = 'none';

  constructor(readonly db: Connection) {
    this.runner = db.transaction((fn: () => unknown) => fn());
  }

  /** A prepared statement for a constant SQL text, prepared once per connection. */
  stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** A prepared statement for an SQL text built from whitelisted parts; the most recent 256 are kept. */
  built(sql: string): Statement {
    let statement = this.builtStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.builtStatements.set(sql, statement);
    }
    return statement;
  }

  /**
   * A prepared statement returning each row as an array of its columns (`raw()`): no object with
   * named properties is built per row (for a page of rows, that costs more than the query). For
   * constant and built SQL texts alike; the most recent 256 are kept.
   */
  raw(sql: string): Statement {
    let statement = this.rawStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql).raw();
      this.rawStatements.set(sql, statement);
    }
    return statement;
  }

  /** A prepared statement returning the first column of each row, prepared once per connection. */
  column(sql: string): Statement {
    let statement = this.plucking.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql).pluck();
      this.plucking.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction (nested calls become savepoints). */
  write<T>(fn: () => T): T {
    // A write nested in a read would upgrade a possibly stale snapshot: SQLITE_BUSY with no retry.
    if (this.mode === 'read') throw new Error('SQLite store: a write inside a read transaction');
    if (this.mode === 'write') return this.runner.immediate(fn) as T;
    this.mode = 'write';
    try {
      return this.runner.immediate(fn) as T;
    } finally {
      this.mode = 'none';
    }
  }

  /** Runs `fn` on one consistent snapshot (inside a write: on the write's own view). */
  read<T>(fn: () => T): T {
    if (this.mode !== 'none') return fn();
    this.mode = 'read';
    try {
      return this.runner.deferred(fn) as T;
    } finally {
      this.mode = 'none';
    }
  }

  /** Appends a ChangeEvent; only inside `write()`, so it commits (or not) with the change it describes. */
  change(entity: EntityKind, op: 'created' | 'updated' | 'deleted', id: Id, accountId: Id | null, data: Record<string, unknown> = {}): void {
    if (this.mode !== 'write') throw new Error('SQLite store: a change event outside a write transaction');
    this.stmt('INSERT INTO changes (at, entity, op, id, accountId, data) VALUES (?, ?, ?, ?, ?, ?)')
      .run(nowIso(), entity, op, id, accountId, JSON.stringify(data));
  }
}

/** SQL text for `IN (...)` over a list of bound values (the values themselves are never inlined). */
export function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

/** Booleans as SQLite stores them. */
export function bit(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

/** JSON text for a nested value; `undefined` is stored as null. */
export function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
