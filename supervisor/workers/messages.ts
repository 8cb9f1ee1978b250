/**
 * Checks of what workers send (protocol v1, shared/protocol/worker.ts), so that a confused or
 * hostile board can neither crash the supervisor nor write malformed data. Authentication proves who
 * sent it, not that it is well-formed.
 */
import { z } from 'zod';

const id = z.string().regex(/^[0-9a-f]{24}$/);
const count = z.number().int().min(0);
const text = (max: number) => z.string().max(max);

export const attemptKeySchema = z.object({
  runId: id,
  instanceId: id,
  attempt: z.number().int().min(1),
  leaseToken: z.string().min(1).max(200),
});

export const handshakeSchema = z.object({
  deviceId: id,
  secret: z.string().min(1).max(1024),
  protocolVersion: z.number().int(),
  agentVersion: text(100),
});

const factsSchema = z.object({
  arch: text(100),
  cpus: count,
  memoryBytes: z.number().min(0),
  os: text(200),
  osRelease: text(200),
  hostname: text(255),
  temperatureC: z.number().nullable(),
  runtimes: z.array(text(100)).max(100),
  runtimeVersions: z.record(text(100), text(200)).optional(),
  agentVersion: text(100),
  protocolVersion: z.number().int(),
  slots: z.number().int().min(0).max(1024),
});

export const helloSchema = z.object({
  facts: factsSchema,
  held: z.array(attemptKeySchema.extend({ status: z.enum(['running', 'finished']) })).max(10_000),
});

const reportBase = { key: attemptKeySchema, seq: z.number().int().min(1), at: text(64) };

export const reportSchema = z.discriminatedUnion('type', [
  z.object({ ...reportBase, type: z.literal('started'), pid: z.number().int().nullable() }),
  z.object({ ...reportBase, type: z.literal('log'), stream: z.enum(['stdout', 'stderr']), text: text(1_048_576) }),
  z.object({ ...reportBase, type: z.literal('progress'), state: text(200) }),
  z.object({ ...reportBase, type: z.literal('checkpoint'), checkpoint: z.object({ state: text(200), data: z.unknown() }) }),
  z.object({
    ...reportBase,
    type: z.literal('finished'),
    outcome: z.enum(['completed', 'failed', 'stopped']),
    exitCode: z.number().int().nullable(),
    signal: text(32).nullable(),
    result: z.unknown(),
    error: text(4096).nullable(),
    retryable: z.boolean(),
  }),
]);

/** The batch envelope; each entry's report is checked on its own (a bad entry is dropped, not the batch). */
export const reportBatchSchema = z.object({
  entries: z.array(z.object({ outboxSeq: z.number().int().min(0), report: z.unknown() })).max(10_000),
});

export const renewalSchema = z.object({ held: z.array(attemptKeySchema).max(10_000) });

export const releaseSchema = z.object({ keys: z.array(attemptKeySchema).max(10_000), reason: z.literal('shutdown') });
