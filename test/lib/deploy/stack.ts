/**
 * The compose deployment, on this machine without docker: each role is started with exactly the
 * command of its Dockerfile (CMD; the ENTRYPOINT `tini` is a process supervisor not installed here
 * and is left out) and the environment of its Dockerfile (ENV) and of its compose service, interpolated
 * from docker/.env.example as compose would. The secrets are made by running docker/README.md's step 1
 * as written. Only what cannot exist here is substituted, always the same way:
 * - MongoDB → the embedded SQLite store (WORKTY_MONGODB_URL dropped; restapi and supervisor share one
 *   data directory, as two roles on one host do);
 * - the service name `supervisor` and the fixed ports 9999 and 3000 → 127.0.0.1 and free ports (the
 *   servers still listen on the images' 0.0.0.0);
 * - mounted files and folders → temporary ones: `/run/secrets/<name>` → the compose secret's file,
 *   `/var/lib/workty…` (volumes) and `/run/workty` (tmpfs) → temporary folders;
 * - the image's working directory /app → the project root (same dist/ and package.json layout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../shared/paths.js';
import { probeHealth } from '../../../shared/health-check.js';
import { ApiClient, type Credentials } from '../https-client.js';
import { runCommand } from '../process.js';
import { bash, readmeShellBlocks } from '../readme.js';
import { freePort } from '../supervisor-process.js';
import { makeTempDir, type TempDir } from '../tmp.js';
import { waitFor } from '../wait.js';
import { readCompose, readEnvFile, type ComposeFile } from './compose.js';
import { envOf, execForm, finalStage, lastOf, readDockerfile } from './dockerfile.js';

export type Role = 'restapi' | 'supervisor' | 'worker';

export interface Launch {
  /** The program and its arguments, as the image runs them (after the entrypoint). */
  command: string[];
  env: Record<string, string>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A role's process, with everything it printed. */
export class RoleProcess {
  output = '';
  readonly exited: Promise<Exit>;

  constructor(readonly role: Role, readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** The JSON log lines it wrote (stdout is not a terminal here, as in a container). */
  logLines(): Array<Record<string, unknown>> {
    return this.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

function script(command: string[]): { file: string; args: string[] } {
  // The image's `node` is the Node.js running these tests.
  return command[0] === 'node' ? { file: process.execPath, args: command.slice(1) } : { file: command[0]!, args: command.slice(1) };
}

export class DeployStack {
  /** Compose's variables: the .env README step 1 makes, plus what a later step sets (DEVICE_ID). */
  readonly vars: Record<string, string>;
  readonly processes: RoleProcess[] = [];

  private constructor(
    readonly dir: TempDir,
    readonly ports: { rest: number; supervisor: number },
  ) {
    this.vars = readEnvFile(join(dir.path, '.env'));
  }

  /** The compose file as compose reads it now (interpolated with the current variables). */
  get compose(): ComposeFile {
    return readCompose(join(projectRoot, 'docker', 'docker-compose.yml'), this.vars);
  }

  /** A folder standing for docker/: README step 1 run in it (secrets, .env), and the volumes. */
  static async create(): Promise<DeployStack> {
    const dir = makeTempDir('deploy');
    try {
      copyFileSync(join(projectRoot, 'docker', '.env.example'), join(dir.path, '.env.example'));
      const [step1] = readmeShellBlocks(readFileSync(join(projectRoot, 'docker', 'README.md'), 'utf8'), 'secrets');
      const ran = await bash(step1!, dir.path, { PATH: process.env.PATH, HOME: process.env.HOME });
      if (ran.code !== 0) throw new Error(`docker/README.md step 1 failed:\n${ran.stderr}`);
      for (const folder of ['data', 'worker', 'run']) mkdirSync(join(dir.path, folder));
      return new DeployStack(dir, { rest: await freePort(), supervisor: await freePort() });
    } catch (error) {
      dir.remove();
      throw error;
    }
  }

  /** A secret's file, by its compose name. */
  secretFile(name: string): string {
    const file = this.compose.secrets[name]?.file;
    if (file === undefined) throw new Error(`compose declares no secret ${name}`);
    return join(this.dir.path, file);
  }

  /** The admin account the supervisor makes on its first start (compose env, README step 1 password). */
  get admin(): Credentials {
    const email = this.compose.services['supervisor']?.environment?.['WORKTY_ADMIN_EMAIL'];
    if (email === undefined) throw new Error('the compose supervisor has no WORKTY_ADMIN_EMAIL');
    return { email, password: readFileSync(this.secretFile('admin_password'), 'utf8').replace(/\n$/, '') };
  }

  /** The certificate workers trust (README step 1). */
  get ca(): string {
    return readFileSync(this.secretFile('tls_ca'), 'utf8');
  }

  /** A role's command and environment, from its Dockerfile and compose service, with the substitutions of the file header. */
  launch(role: Role): Launch {
    const image = finalStage(readDockerfile(join(projectRoot, 'docker', `${role}.Dockerfile`)));
    const compose = this.compose;
    const service = compose.services[role];
    if (service === undefined) throw new Error(`compose has no service ${role}`);
    const env: Record<string, string> = { ...envOf(image), ...service.environment };
    delete env['WORKTY_MONGODB_URL'];
    for (const [name, value] of Object.entries(env)) env[name] = this.substitute(value);
    if (env['WORKTY_REST_PORT'] !== undefined) env['WORKTY_REST_PORT'] = String(this.ports.rest);
    if (env['WORKTY_SUPERVISOR_PORT'] !== undefined) env['WORKTY_SUPERVISOR_PORT'] = String(this.ports.supervisor);
    return { command: execForm(lastOf(image, 'CMD')!), env };
  }

  private substitute(value: string): string {
    const secret = /^\/run\/secrets\/(\w+)$/.exec(value)?.[1];
    if (secret !== undefined) return this.secretFile(secret);
    return value
      .replace(/^\/var\/lib\/workty\/worker$/, join(this.dir.path, 'worker'))
      .replace(/^\/var\/lib\/workty$/, join(this.dir.path, 'data'))
      .replace(/^\/run\/workty\//, `${join(this.dir.path, 'run')}/`)
      .replace(/^https:\/\/supervisor:3000$/, `https://127.0.0.1:${this.ports.supervisor}`);
  }

  /** Starts a role as its image would, without waiting for anything. */
  spawn(role: Role): RoleProcess {
    const { command, env } = this.launch(role);
    const { file, args } = script(command);
    const child = spawn(file, args, { cwd: projectRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const role_ = new RoleProcess(role, child);
    this.processes.push(role_);
    return role_;
  }

  /** Starts a server role and waits until its health endpoint answers 200 (as compose's depends_on does). */
  async start(role: Exclude<Role, 'worker'>): Promise<RoleProcess> {
    const process_ = this.spawn(role);
    const url = role === 'restapi' ? `https://127.0.0.1:${this.ports.rest}/api/v1/health` : `https://127.0.0.1:${this.ports.supervisor}/health`;
    await waitFor(async () => !process_.running || (await probeHealth(url, 2000)).healthy, {
      timeoutMs: 30_000, intervalMs: 100, what: () => `${role} to serve ${url}; its output:\n${process_.output}`,
    });
    if (!process_.running) throw new Error(`${role} exited before serving:\n${process_.output}`);
    return process_;
  }

  /** Runs the role's HEALTHCHECK command (exec form) with the role's environment, as docker would inside its container. */
  async healthcheck(role: Role): Promise<{ code: number | null; stdout: string }> {
    const image = finalStage(readDockerfile(join(projectRoot, 'docker', `${role}.Dockerfile`)));
    const { file, args } = script(execForm(lastOf(image, 'HEALTHCHECK')!));
    const { code, stdout, stderr } = await runCommand(file, args, { cwd: projectRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...this.launch(role).env } });
    return { code, stdout: stdout + stderr };
  }

  /** A client of the REST API (prefix /api/v1) or, with `prefix: ''`, of a server's other paths. */
  client(role: Exclude<Role, 'worker'>, prefix = '/api/v1'): ApiClient {
    return new ApiClient({ host: '127.0.0.1', port: role === 'restapi' ? this.ports.rest : this.ports.supervisor, ca: this.ca, prefix });
  }

  /** Stops every process still running (SIGTERM, then SIGKILL after 20 s) and removes the folder. */
  async close(): Promise<void> {
    await Promise.all(this.processes.map(async (p) => {
      if (!p.running) return;
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
      await p.stop('SIGTERM');
      clearTimeout(timer);
    }));
    this.dir.remove();
  }
}
