/**
 * The roles as the images and the compose file start them (test/lib/deploy/stack.ts says exactly
 * what is substituted): each serves its health endpoint and passes its HEALTHCHECK; a board enrolled
 * as documented runs a workflow; the metrics endpoints are safe by default and expose the named
 * series; the logs are JSON lines with their run and device fields. One stack for the whole suite.
 */
import { expect } from 'chai';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../../lib/https-client.js';
import { enrol } from '../../lib/deploy/enrol.js';
import { DeployStack, type RoleProcess } from '../../lib/deploy/stack.js';
import { restRun, restRunUntil, restWorkflow, FINAL } from '../../lib/deploy/rest-flow.js';
import { waitFor } from '../../lib/wait.js';
import { WORKER_NODE_FLAGS } from '../../../worker/node-flags.js';

describe('deployment: the roles as the images and the compose file run them', function () {
  this.timeout(120_000);
  let stack: DeployStack;
  let supervisor: RoleProcess;
  let restapi: RoleProcess;
  let worker: RoleProcess | null = null;
  let admin: ApiClient;
  let runId = '';
  let deviceId = '';

  before(async () => {
    stack = await DeployStack.create();
    // Compose's order: restapi depends on a healthy supervisor.
    supervisor = await stack.start('supervisor');
    restapi = await stack.start('restapi');
    admin = stack.client('restapi').as(stack.admin);
  });

  after(async () => {
    admin?.close();
    await stack?.close();
  });

  it('starts each server with its image\'s command and environment; each serves its health endpoint and passes its HEALTHCHECK', async () => {
    for (const role of ['supervisor', 'restapi'] as const) {
      const { command, env } = stack.launch(role);
      expect(command).to.deep.equal(role === 'restapi' ? ['node', '--disable-warning=DEP0111', 'dist/restapi/main.js'] : ['node', 'dist/supervisor/main.js']);
      expect(env).to.include({ NODE_ENV: 'production', WORKTY_DATA_DIR: join(stack.dir.path, 'data') });
      expect(env['WORKTY_TLS_KEY']).to.equal(stack.secretFile('tls_key'));
    }
    const supervisorHealth = stack.client('supervisor', '');
    try {
      const health = await supervisorHealth.get('/health');
      expect(health.status).to.equal(200);
      expect(health.body).to.include({ status: 'ok', role: 'supervisor', store: 'ok' });
    } finally {
      supervisorHealth.close();
    }
    const rest = stack.client('restapi');
    try {
      // The REST API reaches the supervisor as compose's `https://supervisor:3000` (here 127.0.0.1), trusting the certificate of README step 1.
      expect((await rest.get('/health')).body).to.deep.equal({ status: 'ok', store: 'ok', supervisor: 'ok' });
    } finally {
      rest.close();
    }
    for (const role of ['supervisor', 'restapi'] as const) {
      const check = await stack.healthcheck(role);
      expect(check.code, check.stdout).to.equal(0);
      expect(check.stdout).to.match(/^healthy: https:\/\/127\.0\.0\.1:\d+\/(api\/v1\/)?health answered 200/);
    }
  });

  it('enrols a board as documented, then the compose worker runs a workflow of node, python and shell steps', async () => {
    const device = await admin.post('/devices', { name: 'compose-worker', labels: ['compose'] });
    expect(device.status, device.text).to.equal(201);
    deviceId = device.body._id;
    const secret: string = device.body.secret;

    // A board: enrol checks the credential with the supervisor, then writes the environment file (0600).
    const envFile = join(stack.dir.path, 'etc', 'worker.env');
    const enrolled = await enrol(['--supervisor-url', `https://127.0.0.1:${stack.ports.supervisor}`, '--device-id', deviceId,
      '--ca', stack.secretFile('tls_ca'), '--output', envFile], `${secret}\n`);
    expect(enrolled.code, enrolled.stderr).to.equal(0);
    expect(enrolled.stdout).to.contain('Device "compose-worker"').and.not.contain(secret);
    expect(statSync(envFile).mode & 0o777).to.equal(0o600);
    const written = readFileSync(envFile, 'utf8');
    expect(written).to.contain(`WORKTY_DEVICE_ID=${deviceId}\n`).and.contain(`WORKTY_DEVICE_SECRET=${secret}\n`);

    // docker/README.md step 3: the id into .env as DEVICE_ID, the secret into secrets/device-secret.
    stack.vars['DEVICE_ID'] = deviceId;
    writeFileSync(stack.secretFile('device_secret'), `${secret}\n`);
    const { command, env } = stack.launch('worker');
    expect(command).to.deep.equal(['node', ...WORKER_NODE_FLAGS, 'dist/worker/main.js']);
    expect(env).to.include({ WORKTY_DEVICE_ID: deviceId, WORKTY_DEVICE_SECRET_FILE: stack.secretFile('device_secret') });
    worker = stack.spawn('worker');
    await waitFor(async () => !worker!.running || (await admin.get(`/devices/${deviceId}`)).body?.state === 'waiting', {
      timeoutMs: 30_000, intervalMs: 100, what: () => `the worker to be in session; its output:\n${worker!.output}`,
    });
    const check = await stack.healthcheck('worker');
    expect(check.code, check.stdout).to.equal(0);
    expect(check.stdout).to.match(/^healthy: in session since /);

    const workflowId = await restWorkflow(admin, [
      { language: 'nodejs', entryPoint: 'index.js', files: { 'index.js': 'console.log("node on the compose worker");' } },
      { language: 'python', entryPoint: 'main.py', files: { 'main.py': 'print("python on the compose worker")' } },
      { language: 'shell', entryPoint: 'run.sh', files: { 'run.sh': 'echo "shell on the compose worker"' } },
    ]);
    runId = await restRun(admin, workflowId);
    const run = await restRunUntil(admin, runId, (r) => FINAL.includes(r.status), 'the run to end');
    expect(run.status).to.equal('completed');
    expect(run.instances.map((i: any) => i.attempts.map((a: any) => [a.status, a.deviceId]))).to.deep.equal([
      [['completed', deviceId]], [['completed', deviceId]], [['completed', deviceId]],
    ]);
    const logs = await admin.get(`/runs/${runId}/logs`);
    expect(logs.text).to.contain('node on the compose worker').and.contain('python on the compose worker').and.contain('shell on the compose worker');
  });

  it('serves metrics only with the token of README step 1, and exposes the named series after that activity', async () => {
    const token = readFileSync(stack.secretFile('metrics_token'), 'utf8').trim();
    const series = {
      restapi: ['workty_http_requests_total', 'workty_http_request_duration_seconds_bucket', 'workty_store_operation_duration_seconds_bucket',
        'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds'],
      supervisor: ['workty_run_transitions_total{to="completed"}', 'workty_attempts_total{status="completed"} 3', 'workty_attempts_total{status="dispatched"} 3',
        'workty_runs_active{status="running"} 0', 'workty_attempts_active{status="running"} 0', 'workty_workers_connected 1', 'workty_workers_available 1',
        'workty_dispatch_queue_length 0', 'workty_dispatch_latency_seconds_count 3', 'workty_attempt_start_latency_seconds_count 3', 'workty_client_sockets 0',
        'workty_store_operation_duration_seconds_bucket{le="0.005",operation="runs.report",outcome="ok"}', 'process_resident_memory_bytes'],
    };
    for (const role of ['restapi', 'supervisor'] as const) {
      const client = stack.client(role, '');
      try {
        const anonymous = await client.get('/metrics');
        expect(anonymous.status).to.equal(401);
        expect(anonymous.headers['www-authenticate']).to.equal('Bearer realm="workty-metrics"');
        expect((await client.get('/metrics', { auth: 'Bearer wrong-token-wrong-token' })).status).to.equal(401);
        const metrics = await client.get('/metrics', { auth: `Bearer ${token}` });
        expect(metrics.status).to.equal(200);
        expect(metrics.headers['content-type']).to.contain('text/plain');
        for (const name of series[role]) expect(metrics.text, `${role}: ${name}`).to.contain(name);
        if (role === 'restapi') {
          // Requests are counted by route template, never by the URL with its ids.
          expect(metrics.text).to.contain(`workty_http_requests_total{method="GET",route="/api/v1/runs/:id",status="200"}`);
          expect(metrics.text).not.to.contain(runId);
        }
      } finally {
        client.close();
      }
    }
  });

  it('logs JSON lines with role and level; the engine\'s and the worker\'s lines about a run carry runId, the worker\'s deviceId', () => {
    const engine = supervisor.logLines().filter((l) => l['component'] === 'engine' && l['msg'] === 'transition');
    expect(engine.length).to.be.greaterThan(0);
    for (const line of engine) expect(line).to.include({ role: 'supervisor', level: 30, runId });
    const workerLines = worker!.logLines();
    expect(workerLines.length).to.be.greaterThan(0);
    for (const line of workerLines) expect(line, JSON.stringify(line)).to.include({ role: 'worker', deviceId });
    const attempts = workerLines.filter((l) => l['msg'] === 'attempt started' || l['msg'] === 'attempt ended');
    expect(attempts).to.have.length(6);
    for (const line of attempts) expect(line).to.include({ runId });
    const requests = restapi.logLines().filter((l) => l['msg'] === 'request');
    expect(requests.some((l) => l['route'] === 'getRun' && l['status'] === 200)).to.equal(true);
    const secret = readFileSync(stack.secretFile('device_secret'), 'utf8').trim();
    const password = stack.admin.password;
    for (const output of [supervisor.output, restapi.output, worker!.output]) expect(output).not.to.contain(secret).and.not.to.contain(password);
  });

  it('stops every role on SIGTERM with exit code 0, and the worker\'s health check then fails', async () => {
    expect(await worker!.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
    const check = await stack.healthcheck('worker');
    expect(check.code).to.equal(1);
    expect(check.stdout).to.contain('no status file');
    expect(await restapi.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
    expect(await supervisor.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
  });
});
