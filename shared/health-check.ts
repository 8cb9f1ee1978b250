/**
 * `main.js --check` of the server roles: the container health check. Asks the role's own health
 * endpoint on this host and exits 0 on 200, 1 otherwise, printing one line (docker keeps it in the
 * container's health log). The request goes to the loopback address, so the certificate is not
 * checked against a host name: nothing secret is sent, and the answer is only a status.
 */
import { request } from 'node:https';

export interface HealthProbe {
  healthy: boolean;
  /** One line for a person: the status and the report, or why there is none. */
  summary: string;
}

/** The address to reach a server listening on `host` from this host. */
export function loopbackFor(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

export function probeHealth(url: string, timeoutMs = 5000): Promise<HealthProbe> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', rejectUnauthorized: false, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => {
        const healthy = res.statusCode === 200;
        resolve({ healthy, summary: `${healthy ? 'healthy' : 'unhealthy'}: ${url} answered ${res.statusCode ?? '?'} ${body.trim()}` });
      });
      res.on('error', (error) => resolve({ healthy: false, summary: `unhealthy: ${url}: ${error.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ healthy: false, summary: `unhealthy: ${url}: ${error.message}` }));
    req.end();
  });
}

/** Probes, prints the summary and exits (0 healthy, 1 not). */
export async function runHealthCheck(url: string): Promise<never> {
  const probe = await probeHealth(url);
  process.stdout.write(`${probe.summary}\n`);
  process.exit(probe.healthy ? 0 : 1);
}
