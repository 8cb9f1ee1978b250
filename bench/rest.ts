/**
 * `npm run bench:rest`: requests per second and latency of the REST API against a bare restify
 * HTTPS server answering a constant, measured with autocannon in the same run on the same machine.
 *
 *   (a) bare restify over HTTPS, GET / → {"ok":true}
 *   (b) GET /api/v1/health (no auth; pings the store)
 *   (c) GET /api/v1/workflows?per_page=20 with HTTP Basic, for an account holding 200 workflows
 *   (d) the same on a second server of the same process and store with the response cache off
 *       (WORKTY_REST_RESPONSE_CACHE_BYTES=0): every request reads the store and serialises afresh,
 *       as under a steady stream of writes
 *
 * The servers run in a child process (production settings: bcrypt cost 12, the credential cache,
 * request logging at info to a file) so that the load generator does not share their event loop.
 * Target: (c) at least 50% of (a)'s requests per second.
 *
 * Besides the client's figures, the server's CPU time per request is printed: on a shared machine it
 * varies less than requests per second do.
 *
 * Environment: BENCH_DURATION (seconds per case, default 10), BENCH_CONNECTIONS (default 20),
 * BENCH_PROF (a directory: the server process writes a CPU profile there), BENCH_CASES (e.g. `ac`).
 */
import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'restify';
import { loadConfig, restapiSettings } from '../config/index.js';
import { createRestApi } from '../restapi/app.js';
import { DICTIONARIES, DICTIONARY_NAMES } from '../shared/domain/dictionaries.js';
import { createLogger } from '../shared/log.js';
import { PasswordHasher } from '../shared/security/passwords.js';
import { ensureSelfSignedTls, loadTls } from '../shared/security/tls.js';
import { openStore } from '../shared/store/index.js';
import { makeTempDir } from '../test/lib/tmp.js';

interface Ready {
  barePort: number;
  apiPort: number;
  uncachedPort: number;
  email: string;
  password: string;
  ca: string;
}

const WORKFLOWS = 200;

/** Child: the two servers. */
async function serve(): Promise<void> {
  const dir = makeTempDir('bench-rest');
  const dataDir = join(dir.path, 'data');
  mkdirSync(dataDir, { recursive: true });
  const config = loadConfig(restapiSettings, { env: { WORKTY_DATA_DIR: dataDir, WORKTY_LOG_LEVEL: 'info', WORKTY_SUPERVISOR_URL: 'https://127.0.0.1:9', ...(process.env.BENCH_COST ? { WORKTY_BCRYPT_COST: process.env.BENCH_COST } : {}) } });
  // As in production (shared/log.ts): asynchronous SonicBoom writes, here to a file.
  const logger = createLogger({ role: 'restapi', level: 'info', destination: pino.destination({ dest: join(dir.path, 'restapi.log'), sync: false }) as unknown as NodeJS.WritableStream });
  await ensureSelfSignedTls(config);
  const tls = loadTls(config);
  const store = await openStore({ dataDir }, logger);
  for (const name of DICTIONARY_NAMES) await store.dictionaries.ensure(name, DICTIONARIES[name]);
  const hasher = new PasswordHasher({ cost: config.bcryptCost });
  const email = 'bench@example.com';
  const password = 'bench-password-1234';
  const account = await store.accounts.create({ name: 'Bench', email, passwordHash: await hasher.hash(password), aclRoleNames: ['regular'] });
  for (let i = 0; i < WORKFLOWS; i += 1) {
    await store.workflows.create({ accountId: account._id, name: `workflow ${String(i).padStart(3, '0')}`, desc: 'a realistic description of what it does' });
  }
  const api = createRestApi({ config, store, logger, tls, hasher });
  const { port: apiPort } = await api.listen(0, '127.0.0.1');
  const uncached = createRestApi({ config: { ...config, restResponseCacheBytes: 0 }, store, logger, tls, hasher });
  const { port: uncachedPort } = await uncached.listen(0, '127.0.0.1');

  const restify = createRequire(import.meta.url)('restify') as typeof import('restify');
  const bare: Server = restify.createServer({ httpsServerOptions: { cert: tls.cert, key: tls.key } });
  bare.get('/', (_req, res, next) => {
    res.send({ ok: true });
    next();
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', () => resolve()));
  const barePort = (bare.server.address() as AddressInfo).port;

  // The parent asks for this process's CPU time around each case (server CPU per request).
  process.on('message', (message: unknown) => {
    if (message === 'cpu') process.send!(process.cpuUsage());
  });
  process.send!({ barePort, apiPort, uncachedPort, email, password, ca: tls.cert } satisfies Ready);
  process.once('disconnect', () => {
    bare.close();
    void Promise.all([api.close(), uncached.close()]).then(() => store.close()).finally(() => {
      dir.remove();
      process.exit(0);
    });
  });
}

interface Figures {
  name: string;
  rps: number;
  /** Server CPU (user + system) per request, in microseconds. */
  cpuUs: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

type CpuProbe = () => Promise<NodeJS.CpuUsage>;

async function measure(cpu: CpuProbe, name: string, url: string, ca: string, headers: Record<string, string> = {}): Promise<Figures> {
  const duration = Number(process.env.BENCH_DURATION ?? 10);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
  const options = { url, headers, connections, tlsOptions: { ca } };
  await autocannon({ ...options, duration: 2 }); // warm-up (JIT, caches, TLS sessions)
  const before = await cpu();
  const result = await autocannon({ ...options, duration });
  const after = await cpu();
  const cpuUs = (after.user - before.user + after.system - before.system) / Math.max(1, result.requests.total);
  return {
    name, rps: result.requests.average, cpuUs, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['serve'], { execArgv: ['--disable-warning=DEP0111', ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const cpu: CpuProbe = () => new Promise((resolve) => {
    child.once('message', (usage) => resolve(usage as NodeJS.CpuUsage));
    child.send('cpu');
  });
  try {
    const auth = `Basic ${Buffer.from(`${ready.email}:${ready.password}`).toString('base64')}`;
    const cases = process.env.BENCH_CASES ?? 'abcd';
    const results = [
      cases.includes('a') ? await measure(cpu, '(a) bare restify HTTPS, constant', `https://127.0.0.1:${ready.barePort}/`, ready.ca) : null,
      cases.includes('b') ? await measure(cpu, '(b) GET /api/v1/health', `https://127.0.0.1:${ready.apiPort}/api/v1/health`, ready.ca) : null,
      cases.includes('c') ? await measure(cpu, `(c) GET /api/v1/workflows?per_page=20 (Basic, ${WORKFLOWS} workflows)`,
        `https://127.0.0.1:${ready.apiPort}/api/v1/workflows?per_page=20`, ready.ca, { authorization: auth }) : null,
      cases.includes('d') ? await measure(cpu, '(d) the same, response cache off',
        `https://127.0.0.1:${ready.uncachedPort}/api/v1/workflows?per_page=20`, ready.ca, { authorization: auth }) : null,
    ].filter((r): r is Figures => r !== null);
    const bare = results.find((r) => r.name.startsWith('(a)'))?.rps ?? Number.NaN;
    const rows = results.map((r) => [
      r.name, r.rps.toFixed(0), `${r.cpuUs.toFixed(0)} µs`, `${r.p50} ms`, `${r.p99} ms`, `${((100 * r.rps) / bare).toFixed(0)}%`, String(r.errors + r.non2xx),
    ]);
    const header = ['case', 'req/s', 'server CPU/req', 'p50', 'p99', 'vs bare', 'errors'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n\n`);
    for (const [prefix, what] of [['(c)', 'authenticated list'], ['(d)', 'authenticated list, response cache off']] as const) {
      const list = results.find((r) => r.name.startsWith(prefix));
      const ratio = (list?.rps ?? 0) / bare;
      if (list && Number.isFinite(bare)) process.stdout.write(`${what} = ${(100 * ratio).toFixed(0)}% of the bare server (target ≥ 50%): ${ratio >= 0.5 ? 'met' : 'MISSED'}\n`);
    }
    process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  } finally {
    child.disconnect();
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (process.argv[2] === 'serve') await serve();
else await main();
