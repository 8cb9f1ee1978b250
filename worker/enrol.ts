/**
 * `node dist/worker/enrol.js`: enrols a board. Checks the device credential an admin issued
 * (POST /api/v1/devices) against the supervisor — over the same trust the worker will use — and only
 * then writes the worker's environment file (mode 0600): the supervisor URL, the trust, the device id
 * and secret. The secret is read from a file or from standard input (typed without echo on a
 * terminal), never from the command line, which any user of the board can read in `ps`.
 *
 * The file's plain `NAME=value` lines (no quotes, no spaces) read the same as a systemd
 * `EnvironmentFile=` and as `docker run --env-file`. Exit codes: 0 enrolled, 1 refused or
 * unreachable (nothing written), 2 bad usage.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Agent } from 'node:https';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { CREDENTIAL_PATH } from '../shared/protocol/worker.js';
import { normaliseFingerprint, trustAgent } from './connection/trust.js';

const DEVICE_ID = /^[0-9a-f]{24}$/;
/** What a value may hold to read the same in a systemd EnvironmentFile and a docker --env-file. */
const PLAIN_VALUE = /^[A-Za-z0-9_./:@%+,=-]+$/;

class UsageError extends Error {}

interface Options {
  supervisorUrl: string;
  deviceId: string;
  ca?: string;
  fingerprint?: string;
  secretFile?: string;
  output: string;
  timeout: string;
}

const program = new Command('workty-enrol')
  .description('Enrol this board as a Workty device: check its credential with the supervisor, then write the worker\'s environment file (mode 0600).\n'
    + 'The device secret is read from --secret-file, or from standard input (typed without echo on a terminal).')
  .requiredOption('--supervisor-url <url>', 'the supervisor\'s https URL, as the board reaches it')
  .requiredOption('--device-id <id>', 'the device id (from POST /api/v1/devices)')
  .option('--ca <file>', 'PEM file of the certificate (or CA) to trust for the supervisor')
  .option('--fingerprint <sha256>', 'SHA-256 fingerprint of the supervisor\'s certificate to pin instead of --ca')
  .option('--secret-file <file>', 'read the device secret from this file instead of standard input')
  // Not `--env-file`: Node.js 20 takes that flag for itself wherever it appears.
  .option('--output <file>', 'the environment file to write', '/etc/workty/worker.env')
  .option('--timeout <ms>', 'how long to wait for the supervisor', '15000')
  .parse();

async function main(options: Options): Promise<void> {
  let url: URL;
  try {
    url = new URL(options.supervisorUrl);
  } catch {
    throw new UsageError(`--supervisor-url: "${options.supervisorUrl}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new UsageError('--supervisor-url must be an https URL (the supervisor serves TLS only)');
  if (!DEVICE_ID.test(options.deviceId)) throw new UsageError('--device-id must be the device\'s id: 24 lower-case hex characters');
  if (options.ca !== undefined && options.fingerprint !== undefined) throw new UsageError('give --ca or --fingerprint, not both');
  const fingerprint = options.fingerprint === undefined ? undefined : pinned(options.fingerprint);
  const ca = options.ca === undefined ? undefined : resolve(options.ca);
  const timeoutMs = Number(options.timeout);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 100) throw new UsageError('--timeout must be a number of milliseconds (at least 100)');

  const secret = options.secretFile === undefined ? await secretFromStdin() : readFileSync(options.secretFile, 'utf8').replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError('the device secret is empty');
  const values: Record<string, string | undefined> = {
    WORKTY_SUPERVISOR_URL: url.href.replace(/\/$/, ''),
    WORKTY_SUPERVISOR_CA: ca,
    WORKTY_SUPERVISOR_FINGERPRINT: fingerprint,
    WORKTY_DEVICE_ID: options.deviceId,
    WORKTY_DEVICE_SECRET: secret,
  };
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && !PLAIN_VALUE.test(value)) throw new UsageError(`${name} has characters an environment file cannot hold unquoted (spaces, quotes…): ${name === 'WORKTY_DEVICE_SECRET' ? '(hidden)' : value}`);
  }

  const agent = trustAgent({ caFile: ca, fingerprint });
  let device: { _id: string; name: string };
  try {
    device = await checkCredential(url, options.deviceId, secret, agent, timeoutMs);
  } finally {
    agent.destroy();
  }
  writeEnvFile(options.output, device.name, values);
  process.stdout.write(`Device "${device.name}" (${device._id}) is accepted by ${values.WORKTY_SUPERVISOR_URL}.\n`
    + `Wrote ${resolve(options.output)} (mode 0600). Start the worker with it, e.g.: sudo systemctl enable --now workty-worker\n`);
}

function pinned(value: string): string {
  try {
    return normaliseFingerprint(value);
  } catch {
    throw new UsageError('--fingerprint must be a SHA-256 fingerprint (64 hex digits, as `openssl x509 -noout -fingerprint -sha256` prints it)');
  }
}

/** Asks the supervisor whether the credential works; resolves with the device, or rejects saying why. */
function checkCredential(url: URL, deviceId: string, secret: string, agent: Agent, timeoutMs: number): Promise<{ _id: string; name: string }> {
  const target = new URL(CREDENTIAL_PATH, url);
  const authorization = `Basic ${Buffer.from(`${deviceId}:${secret}`).toString('base64')}`;
  return new Promise((resolvePromise, reject) => {
    const req = request(target, { method: 'GET', agent, headers: { authorization }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        let parsed: { device?: { _id: string; name: string }; error?: { message?: string } } = {};
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          // Not a Workty supervisor, or a proxy's page: said below by the status.
        }
        if (res.statusCode === 200 && parsed.device !== undefined) resolvePromise(parsed.device);
        else if (res.statusCode === 404) reject(new Error(`${target.origin} has no ${CREDENTIAL_PATH}: is it a Workty supervisor of this version (not the REST API's port)?`));
        else reject(new Error(`the supervisor refused the credential (HTTP ${res.statusCode ?? '?'}): ${parsed.error?.message ?? body.slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(new Error(`cannot reach the supervisor at ${target.origin}: ${error.message}`
      + (/certificate|self.signed|CERT|fingerprint/i.test(error.message) ? ' (give the supervisor\'s certificate with --ca, or pin it with --fingerprint)' : ''))));
    req.end();
  });
}

/** Written beside the target with mode 0600 from the start, then renamed over it: never readable by others, never half-written. */
function writeEnvFile(path: string, deviceName: string, values: Record<string, string | undefined>): void {
  const target = resolve(path);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  const lines = [
    `# Workty worker environment, written by enrol on ${new Date().toISOString()} for device "${deviceName.replace(/[\r\n]/g, ' ')}".`,
    '# Holds the device secret: keep it readable by root only (mode 0600). Re-run enrol after a rotation.',
    ...Object.entries(values).filter(([, v]) => v !== undefined).map(([name, value]) => `${name}=${value}`),
  ];
  const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** One line from standard input; on a terminal, asked for and typed without echo. */
async function secretFromStdin(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    stdin.setEncoding('utf8');
    for await (const chunk of stdin) text += chunk as string;
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write('Device secret (not shown): ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolvePromise, reject) => {
    let typed = '';
    const done = (error: Error | null): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error === null) resolvePromise(typed);
      else reject(error);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(null);
        if (char === '\u0003') return done(new UsageError('cancelled'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

main(program.opts<Options>()).catch((error: unknown) => {
  process.stderr.write(`workty-enrol: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
