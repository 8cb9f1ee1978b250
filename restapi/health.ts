/**
 * The health report's view of the supervisor: `GET <supervisorUrl>/health` over HTTPS, trusting the
 * configured certificate (and the usual public CAs), with a short timeout. Concurrent reports share
 * one probe and a result is reused for a second, so a load balancer polling health cannot turn the
 * REST server into a load generator against the supervisor.
 */
import { request } from 'node:https';
import type { RequestOptions } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { SecureContext } from 'node:tls';

export type Reachability = 'ok' | 'unreachable';

export interface SupervisorProbeOptions {
  /** The supervisor's base URL (`https://host:3000`). */
  url: string;
  /** PEM certificate(s) to trust besides the public CAs. */
  ca: string;
  timeoutMs: number;
  /** How long a result is reused. @default 1000 */
  reuseMs?: number;
}

export class SupervisorProbe {
  private pending: Promise<Reachability> | null = null;
  private last: { at: number; result: Reachability } | null = null;
  /** Made once: a context holding the public CAs costs milliseconds to build. */
  private readonly secureContext: SecureContext;

  constructor(private readonly options: SupervisorProbeOptions) {
    this.secureContext = createSecureContext({ ca: [...rootCertificates, options.ca] });
  }

  check(): Promise<Reachability> {
    const reuseMs = this.options.reuseMs ?? 1000;
    if (this.last !== null && Date.now() - this.last.at < reuseMs) return Promise.resolve(this.last.result);
    this.pending ??= this.probe().then((result) => {
      this.last = { at: Date.now(), result };
      this.pending = null;
      return result;
    });
    return this.pending;
  }

  private probe(): Promise<Reachability> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: Reachability): void => {
        if (!settled) {
          settled = true;
          resolve(result);
        }
      };
      let url: URL;
      try {
        url = new URL('health', this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`);
      } catch {
        settle('unreachable');
        return;
      }
      // https hands `secureContext` on to tls.connect (its types do not list it).
      const options = { method: 'GET', secureContext: this.secureContext, timeout: this.options.timeoutMs, agent: false } as RequestOptions;
      const req = request(url, options, (res) => {
        res.resume();
        settle(res.statusCode === 200 ? 'ok' : 'unreachable');
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => settle('unreachable'));
      req.end();
    });
  }
}
