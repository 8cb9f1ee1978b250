/**
 * The `/worker` namespace (protocol v1): authenticates boards in the handshake, keeps one session per
 * board, and hands their messages to the engine. Every acknowledgement is sent after what it
 * acknowledges is stored.
 */
import type { Namespace, Socket } from 'socket.io';
import type { Device } from '../../shared/domain/model.js';
import type { Logger } from '../../shared/log.js';
import type {
  AttemptKey, HeldAttempt, ReportBatch, SupervisorToWorkerEvents, WorkerSocketData, WorkerToSupervisorEvents,
} from '../../shared/protocol/worker.js';
import type { DeviceCatalog } from '../engine/catalog.js';
import type { Engine } from '../engine/engine.js';
import type { LeaseKeeper } from '../engine/leases.js';
import type { ReportIntake } from '../engine/reports.js';
import { workerHandshake, type HandshakeDevices } from './auth.js';
import { helloSchema, releaseSchema, renewalSchema, reportBatchSchema, reportSchema } from './messages.js';
import type { PresenceRecorder } from './presence.js';
import type { SessionRegistry } from './registry.js';
import { WorkerSession, type WorkerSocket } from './session.js';
import type { Store } from '../../shared/store/port.js';

export type WorkerNamespace = Namespace<WorkerToSupervisorEvents, SupervisorToWorkerEvents, Record<string, never>, WorkerSocketData>;

export interface WorkerNamespaceDeps {
  store: Store;
  engine: Engine;
  leases: LeaseKeeper;
  intake: ReportIntake;
  registry: SessionRegistry;
  presence: PresenceRecorder;
  catalog: DeviceCatalog;
  logger: Logger;
  leaseMs: number;
  renewEveryMs: number;
  closing: () => boolean;
  /** Tracks handler work so that shutdown can wait for reports to be stored and acknowledged. */
  track: <T>(work: Promise<T>) => Promise<T>;
}

export class WorkerNamespaceHandler {
  private readonly devices: HandshakeDevices = new WeakMap();

  constructor(private readonly deps: WorkerNamespaceDeps) {}

  bind(ns: WorkerNamespace): void {
    ns.use(workerHandshake({ store: this.deps.store, logger: this.deps.logger, closing: this.deps.closing }, this.devices));
    ns.on('connection', (socket) => this.connected(socket));
  }

  /** An admin disabled, deleted or re-keyed a device: drop its connection. */
  deviceChanged(device: Device | null, id: string): void {
    const session = this.deps.registry.get(id);
    if (session === undefined) return;
    if (device === null) session.disconnect('the device was deleted');
    else if (device.disabled) session.disconnect('the device was disabled');
    else if (device.credentialIssued !== session.credentialIssued) session.disconnect('the device credential was rotated');
  }

  private connected(socket: WorkerSocket): void {
    const { engine, registry, presence, logger } = this.deps;
    const device = this.devices.get(socket as unknown as Socket)!;
    this.devices.delete(socket as unknown as Socket);
    const session = new WorkerSession(socket, device, logger, (s, freed) => {
      registry.capacityChanged(s);
      if (s.ready && !s.closed) presence.load(s.deviceId, s.held.size > 0);
      if (freed && s.available) engine.dispatcher.pump();
    });
    const replaced = registry.add(session);
    replaced?.disconnect('replaced by a newer connection of the same device');
    session.logger.info({ agentVersion: socket.data.agentVersion, address: socket.handshake.address }, 'worker connected');

    socket.on('hello', (hello, ack) => this.handle(session, 'hello', ack, async () => {
      const parsed = helloSchema.safeParse(hello);
      if (!parsed.success) throw new ProtocolViolation('malformed hello');
      return this.hello(session, parsed.data.facts, parsed.data.held);
    }));
    socket.on('reports', (batch, ack) => this.handle(session, 'reports', ack, () => this.reports(session, batch)));
    socket.on('lease:renew', (renewal, ack) => this.handle(session, 'lease:renew', ack, async () => {
      const parsed = renewalSchema.safeParse(renewal);
      if (!parsed.success) throw new ProtocolViolation('malformed lease renewal');
      return this.deps.leases.renew(session, parsed.data.held);
    }));
    socket.on('release', (release, ack) => this.handle(session, 'release', ack, async () => {
      const parsed = releaseSchema.safeParse(release);
      if (!parsed.success) throw new ProtocolViolation('malformed release');
      return { released: await this.deps.leases.release(session, parsed.data.keys) };
    }));
    socket.on('draining', (ack) => this.handle(session, 'draining', ack, async () => {
      session.drain();
      session.logger.info('worker draining: no new attempts');
      return { ok: true as const };
    }));
    socket.on('disconnect', (reason) => {
      session.markClosed();
      const current = registry.remove(session);
      session.logger.info({ reason, held: session.held.size }, 'worker disconnected; its leases run until renewed or expired');
      if (current) void presence.disconnected(session.deviceId);
    });
  }

  private async hello(session: WorkerSession, facts: Parameters<WorkerSession['greet']>[0], held: HeldAttempt[]) {
    const { leases, presence, catalog } = this.deps;
    const cancel = await leases.reconcile(session, held);
    catalog.greeted(session.deviceId, facts);
    await presence.connected(session.deviceId, facts, session.held.size > 0);
    session.greet(facts);
    session.logger.info({ slots: session.slots, runtimes: facts.runtimes, held: held.length, cancel: cancel.length }, 'worker ready');
    return { leaseMs: this.deps.leaseMs, renewEveryMs: this.deps.renewEveryMs, cancel };
  }

  private async reports(session: WorkerSession, batch: ReportBatch) {
    const envelope = reportBatchSchema.safeParse(batch);
    if (!envelope.success) throw new ProtocolViolation('malformed report batch');
    const entries: ReportBatch['entries'] = [];
    for (const entry of envelope.data.entries) {
      const report = reportSchema.safeParse(entry.report);
      // A malformed entry can never be stored: acknowledged and dropped, so the outbox moves on.
      if (report.success) entries.push({ outboxSeq: entry.outboxSeq, report: report.data });
      else session.logger.warn({ outboxSeq: entry.outboxSeq, issues: report.error.issues.slice(0, 3) }, 'malformed report dropped');
    }
    const ack = await this.deps.intake.apply(session, { entries });
    const last = envelope.data.entries[envelope.data.entries.length - 1];
    // Dropped entries at the end of the batch are acknowledged too.
    if (last !== undefined && ack.ackedThrough === (entries[entries.length - 1]?.outboxSeq ?? ack.ackedThrough)) {
      return { ...ack, ackedThrough: Math.max(ack.ackedThrough, last.outboxSeq) };
    }
    return ack;
  }

  /** Runs a handler, answers through its ack, and drops the connection of a board that breaks the protocol. */
  private handle<T>(session: WorkerSession, event: string, ack: unknown, work: () => Promise<T>): void {
    if (typeof ack !== 'function') {
      session.logger.warn({ event }, 'message without acknowledgement callback ignored');
      return;
    }
    void this.deps.track(work().then(
      (answer) => (ack as (answer: T) => void)(answer),
      (error: unknown) => {
        if (error instanceof ProtocolViolation) {
          session.logger.warn({ event, problem: error.message }, 'protocol violation; disconnecting the worker');
          session.disconnect(`protocol violation: ${error.message}`);
          return;
        }
        session.logger.error({ err: error, event }, 'handling a worker message failed; the worker will retry');
      },
    ));
  }
}

class ProtocolViolation extends Error {}

export type { AttemptKey };
