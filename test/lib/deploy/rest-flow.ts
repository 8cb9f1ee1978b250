/** Workflows made and run through the REST API alone, as an operator's script would. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { idOf } from '../../../shared/domain/dictionaries.js';
import type { ApiClient } from '../https-client.js';
import { packageOf } from '../test-packages.js';
import { waitFor } from '../wait.js';

export interface TaskSpec {
  language: 'nodejs' | 'python' | 'shell';
  entryPoint: string;
  files: Record<string, string>;
  properties?: Array<{ name: string; value: unknown }>;
}

/** A workflow of one instance per task, each of a workty of its own; resolves with the workflow id. */
export async function restWorkflow(api: ApiClient, tasks: TaskSpec[]): Promise<string> {
  const tag = randomBytes(4).toString('hex');
  const workflow = await api.post('/workflows', { name: `deploy-${tag}` });
  expect(workflow.status, workflow.text).to.equal(201);
  for (const [i, task] of tasks.entries()) {
    const workty = await api.post('/workties', {
      name: `deploy-${tag}-${i}`, languageTypeId: idOf.languageType(task.language), entryPointModuleFileName: task.entryPoint,
      compressedCode: (await packageOf(task.files)).toString('base64'), properties: task.properties ?? [],
    });
    expect(workty.status, workty.text).to.equal(201);
    const instance = await api.post(`/workflows/${workflow.body._id}/worktiesInstances`, { worktyId: workty.body._id, name: `step ${i}` });
    expect(instance.status, instance.text).to.equal(201);
  }
  return workflow.body._id as string;
}

/** PUT /workflows/:id/running; resolves with the run's id. */
export async function restRun(api: ApiClient, workflowId: string): Promise<string> {
  const run = await api.put(`/workflows/${workflowId}/running`);
  expect(run.status, run.text).to.equal(202);
  return run.body._id as string;
}

/** Polls GET /runs/:id until `done` holds (there is no event to await across processes). */
export async function restRunUntil(api: ApiClient, runId: string, done: (run: any) => boolean, what: string, timeoutMs = 30_000): Promise<any> {
  let last: any = null;
  await waitFor(async () => {
    const response = await api.get(`/runs/${runId}?pretty=false`);
    last = response.body;
    return response.status === 200 && done(last);
  }, { timeoutMs, intervalMs: 100, what: () => `${what} (the run: ${JSON.stringify(last)})` });
  return last;
}

export const FINAL = ['completed', 'failed', 'stopped'];
