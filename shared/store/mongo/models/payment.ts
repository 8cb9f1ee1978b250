/** Payments: the record of installing a template into an account. */
import { Schema, type Types } from 'mongoose';
import { RULES } from '../../../domain/rules.js';
import { DOCUMENT_OPTIONS, date, number, ref, text } from './validators.js';

export interface PaymentRecord {
  _id: Types.ObjectId;
  accountId: Types.ObjectId;
  worktyId: Types.ObjectId;
  templateId: Types.ObjectId;
  amount: number;
  msg: string;
  created: Date;
}

export const paymentSchema = new Schema<PaymentRecord>({
  accountId: ref({ required: true }),
  worktyId: ref({ required: true }),
  templateId: ref({ required: true }),
  amount: number(RULES.cents, { integer: true, required: true }),
  msg: text(RULES.paymentMsg, { default: '' }),
  created: date({ required: true }),
}, { ...DOCUMENT_OPTIONS, collection: 'payments' });

paymentSchema.index({ accountId: 1, created: 1, _id: 1 }, { name: 'owner_created' });
paymentSchema.index({ created: 1, _id: 1 }, { name: 'created' });
