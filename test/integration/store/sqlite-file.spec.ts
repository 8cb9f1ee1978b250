/** What only the SQLite adapter has: the file, its pragmas, and versioned schema migrations. */
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../shared/log.js';
import { SqliteContext, openConnection } from '../../../shared/store/sqlite/database.js';
import {
  SCHEMA_VERSION, SchemaTooNewError, migrate, openSqliteStore, schemaVersionOf, type Migration,
} from '../../../shared/store/sqlite/index.js';
import { ALL, rejects } from './harness.js';

/** The schema as SQLite describes it, to compare before and after a reopen. */
function schemaOf(file: string): { version: number; sql: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    const sql = (db.prepare(`SELECT type || ' ' || name || ': ' || COALESCE(sql, '') AS s FROM sqlite_master ORDER BY type, name`).pluck().all() as string[]);
    return { version: schemaVersionOf(db), sql };
  } finally {
    db.close();
  }
}

/** A logger writing JSON lines into an array. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ role: 'test', level: 'debug', destination }), lines };
}

describe('sqlite store file', function () {
  let dir: string;
  let file: string;

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), 'workty-sqlite-file-'));
    file = join(dir, 'workty.sqlite');
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the file readable by its owner only, even under a permissive umask, in WAL mode', async function () {
    const previous = process.umask(0o000);
    let store;
    try {
      store = await openSqliteStore({ file });
    } finally {
      process.umask(previous);
    }
    try {
      await store.accounts.create({ name: 'Ann', email: 'ann@example.com', passwordHash: 'h', aclRoleNames: ['regular'] });
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
      expect((await stat(`${file}-wal`)).mode & 0o777, 'the WAL holds the same data').to.equal(0o600);
      const raw = new Database(file, { readonly: true });
      try {
        expect(raw.pragma('journal_mode', { simple: true })).to.equal('wal');
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  });

  it('opens connections with foreign keys, synchronous=NORMAL and the busy timeout', function () {
    const db = openConnection(file, 1234);
    try {
      expect(db.pragma('foreign_keys', { simple: true })).to.equal(1);
      expect(db.pragma('synchronous', { simple: true }), 'NORMAL').to.equal(1);
      expect(db.pragma('busy_timeout', { simple: true })).to.equal(1234);
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    } finally {
      db.close();
    }
  });

  it('keeps the transaction discipline: no write inside a read, no change event outside a write', function () {
    const ctx = new SqliteContext(openConnection(file, 1000));
    try {
      migrate(ctx.db);
      expect(() => ctx.read(() => ctx.write(() => 1))).to.throw(/write inside a read/);
      expect(() => ctx.change('account', 'created', 'a'.repeat(24), null)).to.throw(/outside a write/);
      expect(ctx.write(() => ctx.read(() => ctx.write(() => 2)))).to.equal(2);
    } finally {
      ctx.db.close();
    }
  });

  it('records the schema version; a reopen keeps the data and migrates nothing', async function () {
    const first = capturingLogger();
    const store = await openSqliteStore({ file, logger: first.logger });
    const ann = await store.accounts.create({ name: 'Ann', email: 'ann@example.com', passwordHash: 'h', aclRoleNames: ['regular'] });
    await store.close();
    expect(first.lines.filter((l) => l['msg'] === 'store schema migrated').map((l) => l['applied'])).to.deep.equal([[...Array(SCHEMA_VERSION).keys()].map((i) => i + 1)]);
    const before = schemaOf(file);
    expect(before.version).to.equal(SCHEMA_VERSION);

    const second = capturingLogger();
    const reopened = await openSqliteStore({ file, logger: second.logger });
    try {
      expect(second.lines.filter((l) => l['msg'] === 'store schema migrated')).to.deep.equal([]);
      expect(await reopened.accounts.get(ann._id, ALL)).to.deep.equal(ann);
    } finally {
      await reopened.close();
    }
    expect(schemaOf(file)).to.deep.equal(before);
    const raw = new Database(file);
    try {
      expect(migrate(raw)).to.deep.equal({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    } finally {
      raw.close();
    }
  });

  it('refuses a file written by a newer schema, with a clear message, leaving it untouched', async function () {
    await (await openSqliteStore({ file })).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = schemaOf(file);
    const error = await rejects(openSqliteStore({ file }), SchemaTooNewError);
    expect(error.message).to.include(`schema version ${SCHEMA_VERSION + 1}`);
    expect(error.message).to.match(/newer Workty/);
    expect(error.message).to.include(file);
    expect(schemaOf(file)).to.deep.equal(before);
  });

  it('applies migrations in order, each in its own transaction', function () {
    const db = new Database(file);
    try {
      const migrations: Migration[] = [
        { version: 1, description: 'a', up: (d) => d.exec('CREATE TABLE a (x INTEGER)') },
        { version: 2, description: 'b', up: (d) => d.exec('CREATE TABLE b (x INTEGER)') },
        { version: 3, description: 'broken', up: (d) => { d.exec('CREATE TABLE c (x INTEGER)'); throw new Error('broken migration'); } },
      ];
      expect(() => migrate(db, migrations)).to.throw('broken migration');
      expect(schemaVersionOf(db), 'the versions before the broken one stay applied').to.equal(2);
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
      expect(tables, 'the broken migration rolled back entirely').to.deep.equal(['a', 'b']);
      const fixed = [...migrations.slice(0, 2), { version: 3, description: 'c', up: (d: Database.Database) => d.exec('CREATE TABLE c (x INTEGER)') }];
      expect(migrate(db, fixed)).to.deep.equal({ from: 2, to: 3, applied: [3] });
      expect(() => migrate(db, [migrations[1] as Migration])).to.throw(/out of order/);
    } finally {
      db.close();
    }
  });

  it('two stores on one new file migrate it once', async function () {
    const [one, two] = await Promise.all([openSqliteStore({ file }), openSqliteStore({ file })]);
    try {
      await one.accounts.create({ name: 'Ann', email: 'ann@example.com', passwordHash: 'h', aclRoleNames: ['regular'] });
      expect((await two.accounts.list(ALL, { count: true })).total).to.equal(1);
    } finally {
      await one.close();
      await two.close();
    }
    expect(schemaOf(file).version).to.equal(SCHEMA_VERSION);
  });
});
