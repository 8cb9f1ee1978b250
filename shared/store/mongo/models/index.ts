/**
 * The mongoose models of the store, compiled on one dedicated connection (never the global
 * mongoose singleton), so that several stores can live in one process (tests, tools).
 */
import type { Connection, Model } from 'mongoose';
import { accountSchema, type AccountRecord } from './account.js';
import { changeSchema, counterSchema, type ChangeRecord, type CounterRecord } from './change.js';
import { deviceSchema, tokenSchema, type DeviceRecord, type TokenRecord } from './device.js';
import { dictionaryEntrySchema, type DictionaryEntryRecord } from './dictionary.js';
import { paymentSchema, type PaymentRecord } from './payment.js';
import {
  journalSchema, logSchema, logTotalSchema, runSchema, type JournalRecord, type LogRecord, type LogTotalRecord,
  type RunRecord,
} from './run.js';
import { instanceSchema, workflowSchema, type InstanceRecord, type WorkflowRecord } from './workflow.js';
import { packageSchema, worktySchema, type PackageRecord, type WorktyRecord } from './workty.js';

export interface Models {
  Account: Model<AccountRecord>;
  Workflow: Model<WorkflowRecord>;
  Instance: Model<InstanceRecord>;
  Workty: Model<WorktyRecord>;
  Package: Model<PackageRecord>;
  Payment: Model<PaymentRecord>;
  Device: Model<DeviceRecord>;
  Token: Model<TokenRecord>;
  DictionaryEntry: Model<DictionaryEntryRecord>;
  Run: Model<RunRecord>;
  Journal: Model<JournalRecord>;
  Log: Model<LogRecord>;
  LogTotal: Model<LogTotalRecord>;
  Change: Model<ChangeRecord>;
  Counter: Model<CounterRecord>;
}

export function createModels(connection: Connection): Models {
  return {
    Account: connection.model<AccountRecord>('Account', accountSchema),
    Workflow: connection.model<WorkflowRecord>('Workflow', workflowSchema),
    Instance: connection.model<InstanceRecord>('WorktyInstance', instanceSchema),
    Workty: connection.model<WorktyRecord>('Workty', worktySchema),
    Package: connection.model<PackageRecord>('Package', packageSchema),
    Payment: connection.model<PaymentRecord>('Payment', paymentSchema),
    Device: connection.model<DeviceRecord>('Device', deviceSchema),
    Token: connection.model<TokenRecord>('Token', tokenSchema),
    DictionaryEntry: connection.model<DictionaryEntryRecord>('DictionaryEntry', dictionaryEntrySchema),
    Run: connection.model<RunRecord>('Run', runSchema),
    Journal: connection.model<JournalRecord>('JournalEntry', journalSchema),
    Log: connection.model<LogRecord>('LogChunk', logSchema),
    LogTotal: connection.model<LogTotalRecord>('LogTotal', logTotalSchema),
    Change: connection.model<ChangeRecord>('Change', changeSchema),
    Counter: connection.model<CounterRecord>('Counter', counterSchema),
  };
}

/** Every model, for start-up work (collections and indexes). */
export function allModels(models: Models): Array<Model<never>> {
  return Object.values(models) as Array<Model<never>>;
}

export type {
  AccountRecord, ChangeRecord, CounterRecord, DeviceRecord, DictionaryEntryRecord, InstanceRecord, JournalRecord,
  LogRecord, LogTotalRecord, PackageRecord, PaymentRecord, RunRecord, TokenRecord, WorkflowRecord, WorktyRecord,
};
