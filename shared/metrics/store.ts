/**
 * The store port with every operation timed: `workty_store_operation_duration_seconds{operation,
 * outcome}`, where `operation` is `<repository>.<verb>` (e.g. `runs.report`) or `ping`, and `outcome`
 * is `ok` or `error` (the operation threw: the store failed, or refused, e.g. not found or conflict).
 * A decorator built in each role's composition root, so both adapters are covered without either
 * knowing about metrics.
 */
import { Histogram, type Registry } from 'prom-client';
import type { Store } from '../store/port.js';
import { LATENCY_BUCKETS } from './registry.js';

type Outcome = 'ok' | 'error';

export function instrumentStore(store: Store, registry: Registry): Store {
  const histogram = new Histogram({
    name: 'workty_store_operation_duration_seconds',
    help: 'Duration of store operations, by operation (repository.verb) and outcome (ok, error)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const timed = <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>): ((...args: A) => Promise<R>) => {
    // Children by outcome, made once: observing then costs no label lookup.
    const children: Record<Outcome, { observe(value: number): void }> = {
      ok: histogram.labels(operation, 'ok'),
      error: histogram.labels(operation, 'error'),
    };
    return (...args: A): Promise<R> => {
      const start = process.hrtime.bigint();
      const observe = (outcome: Outcome): void => children[outcome].observe(Number(process.hrtime.bigint() - start) / 1e9);
      let pending: Promise<R>;
      try {
        pending = call(...args);
      } catch (error) {
        observe('error');
        throw error;
      }
      return pending.then(
        (value) => {
          observe('ok');
          return value;
        },
        (error: unknown) => {
          observe('error');
          throw error;
        },
      );
    };
  };

  /** Each method of a repository timed, the wrapper made on first use and kept. */
  const repository = <T extends object>(name: string, target: T): T => {
    const wrapped = new Map<string, unknown>();
    return new Proxy(target, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        let wrapper = wrapped.get(property);
        if (wrapper === undefined) {
          const method = value as (...args: unknown[]) => Promise<unknown>;
          wrapper = timed(`${name}.${property}`, (...args: unknown[]) => method.apply(object, args));
          wrapped.set(property, wrapper);
        }
        return wrapper;
      },
    });
  };

  return {
    kind: store.kind,
    accounts: repository('accounts', store.accounts),
    workflows: repository('workflows', store.workflows),
    instances: repository('instances', store.instances),
    workties: repository('workties', store.workties),
    packages: repository('packages', store.packages),
    payments: repository('payments', store.payments),
    devices: repository('devices', store.devices),
    tokens: repository('tokens', store.tokens),
    dictionaries: repository('dictionaries', store.dictionaries),
    runs: repository('runs', store.runs),
    changes: repository('changes', store.changes),
    ping: timed('ping', () => store.ping()),
    close: () => store.close(),
  };
}
