/**
 * A throw-away Redis server for the peer benchmark: Debian's `redis-server` on a free port of
 * 127.0.0.1, its own temporary folder, no persistence (no RDB snapshots, no AOF), stopped and removed
 * afterwards. Nothing is installed here: without `redis-server` on the PATH, `findRedisServer` says
 * how to get it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort } from '../../test/lib/supervisor-process.js';
import { makeTempDir, type TempDir } from '../../test/lib/tmp.js';

/** The exact command that installs the server on Debian and Ubuntu. */
export const REDIS_INSTALL = 'sudo apt-get install redis-server';

/** The path of `redis-server` on the PATH, or null. */
export function findRedisServer(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export class RedisServer {
  private exited: Promise<void> | null = null;

  private constructor(readonly child: ChildProcess, readonly port: number, private readonly dir: TempDir, readonly version: string) {}

  /** Starts `redis-server` and resolves once it accepts connections; rejects if it exits first. */
  static async start(binary: string): Promise<RedisServer> {
    const dir = makeTempDir('bench-redis');
    const port = await freePort();
    const child = spawn(binary, [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir.path, '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--protected-mode', 'yes', '--maxmemory-policy', 'noeviction', '--loglevel', 'notice',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    try {
      const version = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) resolve(/version=([\d.]+)/.exec(output)?.[1] ?? 'unknown');
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('error', reject);
        child.once('exit', (code, signal) => reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`)));
      });
      child.stdout.removeAllListeners('data');
      child.stderr.removeAllListeners('data');
      child.stdout.resume();
      child.stderr.resume();
      return new RedisServer(child, port, dir, version);
    } catch (error) {
      child.kill('SIGKILL');
      dir.remove();
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Stops it (SIGTERM: with `--save ''` it writes nothing) and removes its folder. Idempotent. */
  stop(): Promise<void> {
    this.exited ??= new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        resolve();
        return;
      }
      const force = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      this.child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      this.child.kill('SIGTERM');
    }).finally(() => this.dir.remove());
    return this.exited;
  }
}
