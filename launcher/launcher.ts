/**
 * `npm start`: the whole platform on one machine. Prepares the data directory, TLS material, the
 * embedded store and its seed data, enrols the local worker, then runs restapi, supervisor and the
 * worker as child processes (so each role stays exactly what it is in a real deployment).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LauncherConfig } from '../config/index.js';
import type { Logger } from '../shared/log.js';
import { announceGeneratedPassword, prepareServer } from '../shared/seed/bootstrap.js';
import { adminPasswordFile } from '../shared/seed/seed.js';
import { RoleProcess, type ReadyMessage, type RoleSpec } from './children.js';
import { ensureLocalDevice } from './local-device.js';
import { WORKER_NODE_FLAGS } from '../worker/node-flags.js';

const STOP_GRACE_MS = 20_000;

function roleScript(role: string): string {
  return fileURLToPath(new URL(`../${role}/main.js`, import.meta.url));
}

function localHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

export class Launcher {
  private readonly roles: RoleProcess[] = [];
  private closing: Promise<void> | null = null;

  constructor(private readonly config: LauncherConfig, private readonly configFile: string | undefined, private readonly logger: Logger) {}

  /** Resolves once every role reported ready. */
  async start(): Promise<void> {
    const { store, tls, seed } = await prepareServer(this.config, this.logger, { seed: true });
    let local;
    try {
      local = this.config.localWorker ? await ensureLocalDevice(store, this.config.dataDir, this.logger) : null;
    } finally {
      // The roles open their own connections; the launcher keeps none.
      await store.close();
    }
    announceGeneratedPassword(seed, this.config.adminEmail, adminPasswordFile(this.config.dataDir));

    const args = this.configFile === undefined ? [] : ['--config', this.configFile];
    const supervisorUrl = `https://${localHost(this.config.supervisorHost)}:${this.config.supervisorPort}`;
    const specs: RoleSpec[] = [
      { role: 'supervisor', script: roleScript('supervisor'), args, env: { ...process.env } },
      { role: 'restapi', script: roleScript('restapi'), args, env: { ...process.env, WORKTY_SUPERVISOR_URL: supervisorUrl } },
    ];
    if (local !== null) {
      specs.push({
        role: 'worker',
        script: roleScript('worker'),
        args: [],
        nodeFlags: WORKER_NODE_FLAGS,
        env: {
          ...process.env,
          WORKTY_SUPERVISOR_URL: supervisorUrl,
          WORKTY_SUPERVISOR_CA: tls.certPath,
          WORKTY_DEVICE_ID: local.deviceId,
          WORKTY_DEVICE_SECRET: local.secret,
          WORKTY_WORKER_DIR: join(this.config.dataDir, 'worker'),
        },
      });
    }
    // The supervisor first: the worker then connects at once instead of logging failed dials.
    const [supervisorSpec, ...others] = specs;
    const supervisorReady = await this.startRole(supervisorSpec!);
    const messages = [supervisorReady, ...(await Promise.all(others.map((spec) => this.startRole(spec))))];
    this.printBanner(messages, tls.certPath);
  }

  private startRole(spec: RoleSpec): Promise<ReadyMessage> {
    const role = new RoleProcess(spec, this.logger);
    this.roles.push(role);
    const ready = new Promise<ReadyMessage>((resolve) => role.once('ready', resolve));
    role.start();
    return ready;
  }

  /** Idempotent; stops every role (SIGTERM, then SIGKILL after a grace period). */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.roles.map((role) => role.stop(STOP_GRACE_MS))).then(() => undefined);
    return this.closing;
  }

  private printBanner(messages: ReadyMessage[], certPath: string): void {
    const url = (role: string) => messages.find((m) => m.role === role)?.url ?? '(started)';
    process.stdout.write(
      [
        '',
        'Workty is running (embedded store).',
        `  REST API     ${url('restapi')}/api/v1   (try: curl -k ${url('restapi')}/api/v1/health)`,
        `  dashboard    ${url('supervisor')}/   (the web dashboard; its certificate: ${certPath})`,
        `  supervisor   ${url('supervisor')}   (socket.io for workers and clients)`,
        `  local worker ${this.config.localWorker ? 'connected as device "local"' : 'not started (WORKTY_LOCAL_WORKER=false)'}`,
        `  admin        ${this.config.adminEmail}  (password: ${this.config.adminPassword ? 'WORKTY_ADMIN_PASSWORD' : adminPasswordFile(this.config.dataDir)})`,
        `  data         ${this.config.dataDir}`,
        'Stop with Ctrl-C.',
        '',
      ].join('\n'),
    );
  }
}
