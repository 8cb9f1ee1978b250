/**
 * The supervisor side of worker protocol v1 (docs/protocol/v1.md), written for tests: a real HTTPS
 * server with a self-signed certificate, the `/worker` socket.io namespace (handshake refusals, hello,
 * dispatch, reports with per-attempt dedup and `ackedThrough`, lease renewal, release, draining) and
 * the package route. It records everything it received so tests can assert on it, and can be told
 * to misbehave (refuse, withhold acks, answer stale or lost).
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import type { DeviceFacts } from '../../../shared/domain/model.js';
import {
  PACKAGE_PATH, PROTOCOL_VERSION, WORKER_NAMESPACE,
  type AttemptKey, type Cancel, type Dispatch, type DispatchAck, type Hello, type HelloAck, type LeaseRenewal, type Refusal,
  type Release, type Report, type SupervisorToWorkerEvents, type WorkerAuth, type WorkerToSupervisorEvents,
} from '../../../shared/protocol/worker.js';
import { ensureSelfSignedTls, loadTls, type TlsMaterial } from '../../../shared/security/tls.js';
import { makeTempDir, type TempDir } from '../tmp.js';

type WorkerSide = Socket<WorkerToSupervisorEvents, SupervisorToWorkerEvents>;

export interface FakeSupervisorOptions {
  deviceId?: string;
  secret?: string;
  leaseMs?: number;
  renewEveryMs?: number;
}

export interface ReceivedEntry {
  outboxSeq: number;
  report: Report;
}

export function keyId(key: Pick<AttemptKey, 'runId' | 'instanceId' | 'attempt'>): string {
  return `${key.runId}/${key.instanceId}/${key.attempt}`;
}

export class FakeSupervisor extends EventEmitter {
  readonly deviceId: string;
  readonly secret: string;
  /** Set to refuse every handshake with it. */
  refusal: (Refusal & { message: string }) | null = null;
  /** When false, report batches are received but never acknowledged. */
  ackReports = true;
  /** Attempts whose reports are answered as stale. */
  readonly staleAttempts = new Set<string>();
  /** Attempts whose renewals are answered as lost. */
  readonly lostAttempts = new Set<string>();
  /** Returned as `cancel` in the next hello acks. */
  helloCancel: AttemptKey[] = [];
  readonly hellos: Hello[] = [];
  readonly handshakes: WorkerAuth[] = [];
  /** Every entry of every batch, duplicates included, in arrival order. */
  readonly received: ReceivedEntry[] = [];
  /** Reports applied once per (attempt, seq), in order, by attempt. */
  readonly applied = new Map<string, Report[]>();
  readonly renewals: LeaseRenewal[] = [];
  readonly releases: Release[] = [];
  readonly packageRequests: Array<{ hash: string; authorization: string | undefined }> = [];
  drains = 0;
  private readonly packages = new Map<string, Buffer>();
  private socket: WorkerSide | null = null;
  private highestOutboxSeq = 0;

  private constructor(
    private readonly server: HttpsServer,
    private readonly io: Server,
    readonly tls: TlsMaterial,
    private readonly dir: TempDir,
    private readonly options: FakeSupervisorOptions,
  ) {
    super();
    this.deviceId = options.deviceId ?? randomBytes(12).toString('hex');
    this.secret = options.secret ?? randomBytes(24).toString('base64url');
  }

  static async start(options: FakeSupervisorOptions = {}): Promise<FakeSupervisor> {
    const dir = makeTempDir('fake-supervisor');
    await ensureSelfSignedTls({ dataDir: dir.path });
    const tls = loadTls({ dataDir: dir.path });
    const server = createServer({ cert: tls.cert, key: tls.key });
    const io = new Server(server, { transports: ['websocket'] });
    const fake = new FakeSupervisor(server, io, tls, dir, options);
    server.prependListener('request', (req, res) => {
      if (!req.url?.startsWith(`${PACKAGE_PATH}/`)) return;
      fake.servePackage(req.url.slice(PACKAGE_PATH.length + 1), req.headers.authorization, res);
    });
    fake.bind();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Connected, authenticated and greeted. */
  get connected(): boolean {
    return this.socket?.connected === true && this.hellos.length > 0;
  }

  /** The facts of the latest hello. */
  get facts(): DeviceFacts | undefined {
    return this.hellos[this.hellos.length - 1]?.facts;
  }

  /** Serves `bytes` as a package; returns its reference. */
  addPackage(bytes: Buffer): { hash: string; size: number } {
    const hash = createHash('sha256').update(bytes).digest('hex');
    this.packages.set(hash, bytes);
    return { hash, size: bytes.length };
  }

  /** Serves other bytes under a hash (to test verification). */
  addPackageUnder(hash: string, bytes: Buffer): void {
    this.packages.set(hash, bytes);
  }

  reportsOf(key: Pick<AttemptKey, 'runId' | 'instanceId' | 'attempt'>): Report[] {
    return this.applied.get(keyId(key)) ?? [];
  }

  finishedOf(key: Pick<AttemptKey, 'runId' | 'instanceId' | 'attempt'>): Extract<Report, { type: 'finished' }> | undefined {
    return this.reportsOf(key).find((r): r is Extract<Report, { type: 'finished' }> => r.type === 'finished');
  }

  /** The log text of an attempt, per stream. */
  logOf(key: Pick<AttemptKey, 'runId' | 'instanceId' | 'attempt'>, stream: 'stdout' | 'stderr' = 'stdout'): string {
    return this.reportsOf(key).flatMap((r) => (r.type === 'log' && r.stream === stream ? [r.text] : [])).join('');
  }

  async dispatch(dispatch: Dispatch): Promise<DispatchAck> {
    const socket = this.requireSocket();
    return socket.timeout(5000).emitWithAck('dispatch', dispatch);
  }

  async cancel(cancel: Cancel): Promise<{ cancelled: boolean }> {
    return this.requireSocket().timeout(5000).emitWithAck('cancel', cancel);
  }

  /** Drops the worker's connection (it reconnects). */
  dropWorker(): void {
    this.socket?.disconnect(true);
  }

  async close(): Promise<void> {
    this.io.disconnectSockets(true);
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    this.server.closeAllConnections();
    this.dir.remove();
  }

  private requireSocket(): WorkerSide {
    if (this.socket === null) throw new Error('no worker connected');
    return this.socket;
  }

  private bind(): void {
    const ns = this.io.of(WORKER_NAMESPACE);
    ns.use((socket, next) => {
      const auth = socket.handshake.auth as WorkerAuth;
      this.handshakes.push(auth);
      const refuse = (refusal: Refusal, message: string) => {
        this.emit('refused', refusal);
        next(Object.assign(new Error(message), { data: refusal }));
      };
      if (this.refusal !== null) return refuse({ code: this.refusal.code, retryAfterMs: this.refusal.retryAfterMs }, this.refusal.message);
      if (auth.protocolVersion !== PROTOCOL_VERSION) return refuse({ code: 'protocol-version', retryAfterMs: 60_000 }, 'unsupported protocol version');
      if (auth.deviceId !== this.deviceId || auth.secret !== this.secret) return refuse({ code: 'bad-credentials', retryAfterMs: 60_000 }, 'unknown device or wrong secret');
      next();
    });
    ns.on('connection', (socket: WorkerSide) => {
      this.socket = socket;
      socket.on('hello', (hello, ack) => {
        this.hellos.push(hello);
        const answer: HelloAck = { leaseMs: this.options.leaseMs ?? 30_000, renewEveryMs: this.options.renewEveryMs ?? 15_000, cancel: this.helloCancel };
        this.helloCancel = [];
        ack(answer);
        this.emit('hello', hello);
      });
      socket.on('reports', (batch, ack) => {
        const stale = new Map<string, AttemptKey>();
        for (const entry of batch.entries) {
          this.received.push(entry);
          const id = keyId(entry.report.key);
          if (this.staleAttempts.has(id)) {
            stale.set(id, entry.report.key);
            continue;
          }
          const list = this.applied.get(id) ?? [];
          // Applied once per (attempt, seq); duplicates are acknowledged too.
          if (!list.some((r) => r.seq === entry.report.seq)) list.push(entry.report);
          this.applied.set(id, list);
        }
        const last = batch.entries[batch.entries.length - 1];
        if (last !== undefined) this.highestOutboxSeq = Math.max(this.highestOutboxSeq, last.outboxSeq);
        this.emit('reports', batch.entries);
        if (this.ackReports) ack({ ackedThrough: this.highestOutboxSeq, stale: [...stale.values()] });
      });
      socket.on('lease:renew', (renewal, ack) => {
        this.renewals.push(renewal);
        ack({ lost: renewal.held.filter((key) => this.lostAttempts.has(keyId(key))) });
        this.emit('renewal', renewal);
      });
      socket.on('release', (release, ack) => {
        this.releases.push(release);
        ack({ released: release.keys.length });
        this.emit('release', release);
      });
      socket.on('draining', (ack) => {
        this.drains += 1;
        ack({ ok: true });
        this.emit('draining');
      });
      socket.on('disconnect', () => {
        if (this.socket === socket) this.socket = null;
        this.emit('worker-disconnected');
      });
    });
  }

  private servePackage(hash: string, authorization: string | undefined, res: import('node:http').ServerResponse): void {
    this.packageRequests.push({ hash, authorization });
    const expected = `Basic ${Buffer.from(`${this.deviceId}:${this.secret}`).toString('base64')}`;
    // Not chained: restify, once loaded in the same process, patches writeHead to return nothing.
    if (authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"bad credentials"}');
      return;
    }
    const bytes = this.packages.get(hash);
    if (bytes === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"no such package"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': bytes.length });
    res.end(bytes);
  }
}

/** A dispatch for tests with unique ids. */
export function makeDispatch(overrides: Partial<Dispatch> & Pick<Dispatch, 'package' | 'entryPoint' | 'runtime'>): Dispatch {
  return {
    runId: randomBytes(12).toString('hex'),
    instanceId: randomBytes(12).toString('hex'),
    attempt: 1,
    leaseToken: randomBytes(8).toString('hex'),
    name: 'test attempt',
    properties: {},
    timeoutMs: 30_000,
    maxLogBytes: 1024 * 1024,
    checkpoint: null,
    ...overrides,
  };
}
