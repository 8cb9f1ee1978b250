/** The index definitions the adapter creates at open (`schema.indexes()`), checked without a server. */
import { expect } from 'chai';
import type { Schema } from 'mongoose';
import { accountSchema } from '../../../shared/store/mongo/models/account.js';
import { changeSchema } from '../../../shared/store/mongo/models/change.js';
import { deviceSchema, tokenSchema } from '../../../shared/store/mongo/models/device.js';
import { dictionaryEntrySchema } from '../../../shared/store/mongo/models/dictionary.js';
import { paymentSchema } from '../../../shared/store/mongo/models/payment.js';
import { journalSchema, logSchema, logTotalSchema, runSchema } from '../../../shared/store/mongo/models/run.js';
import { instanceSchema, workflowSchema } from '../../../shared/store/mongo/models/workflow.js';
import { packageSchema, worktySchema } from '../../../shared/store/mongo/models/workty.js';

type IndexOptions = { unique?: boolean; name?: string };

/** The options of the index on exactly these keys (in this order), or undefined. */
function indexOn(schema: Schema, keys: Record<string, 1 | -1>): IndexOptions | undefined {
  const wanted = JSON.stringify(keys);
  const found = schema.indexes().find(([fields]) => JSON.stringify(fields) === wanted);
  return found?.[1] as IndexOptions | undefined;
}

describe('MongoDB store: index definitions', () => {
  it('makes emails unique through the lower-cased key', () => {
    expect(indexOn(accountSchema, { emailKey: 1 })).to.include({ unique: true });
  });

  it('lists each tenant\'s documents by owner and creation order', () => {
    for (const schema of [workflowSchema, instanceSchema, worktySchema, paymentSchema, tokenSchema, runSchema]) {
      expect(indexOn(schema, { accountId: 1, created: 1, _id: 1 }), String(schema.get('collection'))).to.not.equal(undefined);
    }
    for (const schema of [accountSchema, workflowSchema, worktySchema, paymentSchema, deviceSchema, tokenSchema, runSchema]) {
      expect(indexOn(schema, { created: 1, _id: 1 }), String(schema.get('collection'))).to.not.equal(undefined);
    }
    expect(indexOn(worktySchema, { template: 1, created: 1, _id: 1 })).to.not.equal(undefined);
  });

  it('finds instances by workflow and by workty, runs by workflow, status and device', () => {
    expect(indexOn(instanceSchema, { workflowId: 1 })).to.not.equal(undefined);
    expect(indexOn(instanceSchema, { worktyId: 1 })).to.not.equal(undefined);
    expect(indexOn(runSchema, { workflowId: 1, created: 1, _id: 1 })).to.not.equal(undefined);
    expect(indexOn(runSchema, { status: 1, created: 1 })).to.not.equal(undefined);
    expect(indexOn(runSchema, { 'instances.attempts.deviceId': 1 })).to.not.equal(undefined);
    expect(indexOn(runSchema, { 'instances.attempts.status': 1 })).to.not.equal(undefined);
  });

  it('keeps journal seqs, log chunks and per-attempt totals unique', () => {
    expect(indexOn(journalSchema, { runId: 1, seq: 1 })).to.include({ unique: true });
    expect(indexOn(logSchema, { runId: 1, instanceId: 1, attempt: 1, seq: 1 })).to.include({ unique: true });
    expect(indexOn(logTotalSchema, { runId: 1, instanceId: 1, attempt: 1 })).to.include({ unique: true });
  });

  it('addresses packages and tokens by unique hash, finds package references and expired tokens', () => {
    expect(indexOn(packageSchema, { hash: 1 })).to.include({ unique: true });
    expect(indexOn(worktySchema, { 'package.hash': 1 })).to.not.equal(undefined);
    expect(indexOn(tokenSchema, { tokenHash: 1 })).to.include({ unique: true });
    expect(indexOn(tokenSchema, { expires: 1 })).to.not.equal(undefined);
  });

  it('numbers changes uniquely and keeps dictionary names unique per dictionary', () => {
    expect(indexOn(changeSchema, { seq: 1 })).to.include({ unique: true });
    expect(indexOn(dictionaryEntrySchema, { dictionary: 1, name: 1 })).to.include({ unique: true });
  });

  it('names every index (stable names for operators and migrations)', () => {
    const schemas = [accountSchema, changeSchema, deviceSchema, tokenSchema, dictionaryEntrySchema, paymentSchema,
      journalSchema, logSchema, logTotalSchema, runSchema, instanceSchema, workflowSchema, packageSchema, worktySchema];
    for (const schema of schemas) {
      for (const [fields, options] of schema.indexes()) {
        expect((options as IndexOptions).name, JSON.stringify(fields)).to.be.a('string');
      }
    }
  });
});
