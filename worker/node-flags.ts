/**
 * Node.js flags the worker daemon is started with, wherever it runs: the launcher's local worker,
 * the worker image's CMD and the systemd unit (a unit test holds those two to this list).
 *
 * Why: a board's memory belongs to its tasks. The daemon mostly waits on sockets, files and child
 * processes, so V8's optimising compilers and a 16 MiB young generation buy it nothing; without
 * them its idle RSS falls from about 64 MB to about 53 MB (`npm run bench:engine`, `bench:worker`).
 * Its hot paths (outbox batching, hashing, unzipping) stay far above what a board needs: the outbox
 * still makes tens of thousands of reports durable per second. Lite mode turns WebAssembly off, which
 * the daemon does not use; `--no-expose-wasm` says so and spares every start V8's warning about it.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--lite-mode', '--max-semi-space-size=1', '--no-expose-wasm'];
