/**
 * `node dist/scripts/worker-files.js --out DIR [--service]`: the files the worker needs at run time — its compiled
 * code, the SDK its tasks import, and exactly the packages they load — copied into DIR (or listed
 * with `--list`). The worker image is built from this set (docker/worker.Dockerfile), so a board gets
 * no server code and no native module: the same files run on amd64, arm64 and armv7, and nothing is
 * compiled for the board. The set is traced by @vercel/nft from the entry points below; the pino
 * transport used on a terminal (pino-pretty, in a worker thread) is loaded by name, so it is added
 * as an entry point of its own (with its command, to read a board's logs). `--service` adds the systemd unit (docker/systemd), for a board
 * without docker (`npm run worker:bundle`, docs/deploy.md).
 */
import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { Command } from 'commander';
import { nodeFileTrace } from '@vercel/nft';
import { projectRoot } from '../shared/paths.js';

/** Entry points, relative to the project root. */
export function workerEntryPoints(root: string): string[] {
  const require = createRequire(join(root, 'package.json'));
  const pino = dirname(require.resolve('pino/package.json'));
  const threadStream = dirname(createRequire(join(pino, 'package.json')).resolve('thread-stream/package.json'));
  return [
    'dist/worker/main.js',
    'dist/worker/enrol.js',
    'dist/worker/sdk/index.js',
    relative(root, require.resolve('pino-pretty')),
    // For reading a board's logs: journalctl -u workty-worker -o cat | node node_modules/pino-pretty/bin.js
    relative(root, join(dirname(require.resolve('pino-pretty/package.json')), 'bin.js')),
    relative(root, join(pino, 'lib', 'worker.js')),
    relative(root, join(threadStream, 'lib', 'worker.js')),
  ];
}

/** The worker's run-time files, relative to the project root, sorted. */
export async function workerFiles(root: string = projectRoot): Promise<string[]> {
  const { fileList, warnings } = await nodeFileTrace(workerEntryPoints(root), { base: root, processCwd: root });
  // ws tries its optional native helpers (bufferutil, utf-8-validate) and does without them.
  const unexpected = [...warnings].filter((w) => !/"(bufferutil|utf-8-validate)"/.test(w.message));
  if (unexpected.length > 0) throw new Error(`tracing the worker's files failed:\n${unexpected.map((w) => w.message).join('\n')}`);
  return [...fileList].sort();
}

/** The systemd unit of a board without docker, relative to the project root. */
export const SERVICE_UNIT = 'docker/systemd/workty-worker.service';

/** Copies the worker's run-time files into `out`, keeping their paths (and the systemd unit, if asked). */
export async function copyWorkerFiles(out: string, root: string = projectRoot, options: { service?: boolean } = {}): Promise<string[]> {
  const files = await workerFiles(root);
  if (options.service === true) files.push(SERVICE_UNIT);
  for (const file of files) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    cpSync(join(root, file), join(out, file), { dereference: true });
  }
  return files;
}

const invokedDirectly = process.argv[1] !== undefined && relative(process.argv[1], new URL(import.meta.url).pathname) === '';
if (invokedDirectly) {
  const program = new Command('worker-files')
    .description('Copy (or list) the files the worker needs at run time')
    .option('--out <dir>', 'copy the files into this folder, keeping their paths')
    .option('--list', 'print the files, one per line')
    .option('--service', 'with --out: add the systemd unit (docker/systemd/workty-worker.service)')
    .parse();
  const { out, list, service } = program.opts<{ out?: string; list?: boolean; service?: boolean }>();
  if (out === undefined && list !== true) program.error('give --out DIR or --list');
  const files = out === undefined ? await workerFiles() : await copyWorkerFiles(out, projectRoot, { service });
  if (list === true) process.stdout.write(`${files.join('\n')}\n`);
  else process.stdout.write(`${files.length} files copied to ${out}\n`);
}
