/** Payments: installing a template into an account (copy, charge, record) in one transaction. */
import { ErrorCode, ForbiddenError, InsufficientFundsError, NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { Payment, Workty } from '../../../domain/model.js';
import type { ListQuery, Page, Scope } from '../../../domain/query.js';
import type { PaymentRepository } from '../../port.js';
import { idOut, paymentOut, plain, toObjectId, worktyOut, type Raw } from '../convert.js';
import { and, idEquals, scopeFilter, translateFields, translateQuery } from '../query.js';
import { findOne, findPage, hasChanges, type Context } from './context.js';
import { referencePackage } from './packages.js';
import { newProperties } from './properties.js';

/** Cents charged for a price and a discount: price × (100 − discount) / 100, rounded half up. */
export function chargeFor(price: number, discountPercent: number): number {
  return Math.floor((price * (100 - discountPercent) + 50) / 100);
}

export class MongoPayments implements PaymentRepository {
  constructor(private readonly ctx: Context) {}

  purchase(accountId: Id, templateId: Id, msg?: string): Promise<{ payment: Payment; workty: Workty }> {
    return this.ctx.tx.run(async (tx) => {
      const { Account, Workty, Payment } = this.ctx.models;
      const buyerId = toObjectId(accountId);
      const buyer = buyerId === null ? null : await Account.findOne({ _id: { $eq: buyerId } }, { amount: 1, removed: 1 }).session(tx.session).lean();
      if (buyerId === null || buyer === null) throw new NotFoundError('Account', accountId);
      if (buyer.removed) throw new ForbiddenError('Account removed', ErrorCode.accountRemoved);
      const id = toObjectId(templateId);
      const template = id === null ? null : await Workty.findOne({ _id: { $eq: id }, template: { $eq: true } }).session(tx.session).lean();
      if (template === null) throw new NotFoundError('Workty template', templateId);

      const charge = chargeFor(template.price, template.discountPercent);
      const now = new Date();
      // Conditional debit: the balance can never go below zero, whatever runs concurrently.
      const debited = await Account.findOneAndUpdate(
        { _id: { $eq: buyerId }, amount: { $gte: charge } },
        { $inc: { amount: -charge }, $set: { updated: now } },
        { session: tx.session, returnDocument: 'after', lean: true },
      );
      if (debited === null) throw new InsufficientFundsError(charge, buyer.amount);

      if (template.package) await referencePackage(this.ctx, tx, template.package);
      const copy = new Workty({
        name: template.name,
        desc: template.desc,
        accountId: buyerId,
        template: false,
        templateId: template._id,
        typeId: template.typeId,
        categoryId: template.categoryId,
        languageTypeId: template.languageTypeId,
        validationStateId: template.validationStateId,
        entryPointModuleFileName: template.entryPointModuleFileName,
        properties: newProperties(template.properties),
        price: template.price,
        discountPercent: template.discountPercent,
        version: template.version,
        package: template.package ? { hash: template.package.hash, size: template.package.size } : null,
        created: now,
        updated: now,
      });
      await copy.save({ session: tx.session });
      const payment = new Payment({
        accountId: buyerId, worktyId: copy._id, templateId: template._id, amount: charge, msg: msg ?? '', created: now,
      });
      await payment.save({ session: tx.session });
      tx.change('account', 'updated', buyerId, buyerId, { amount: debited.amount });
      tx.change('workty', 'created', copy._id, buyerId, { template: false, templateId: idOut(template._id) });
      tx.change('payment', 'created', payment._id, buyerId, { worktyId: idOut(copy._id), templateId: idOut(template._id) });
      return { payment: paymentOut(plain(payment)), workty: worktyOut(plain(copy)) };
    });
  }

  async get(id: Id, scope: Scope, fields?: string[]): Promise<Payment | null> {
    return findOne(this.ctx.models.Payment, this.filter(id, scope), translateFields('payment', fields), paymentOut);
  }

  async list(scope: Scope, query?: ListQuery): Promise<Page<Payment>> {
    return findPage(this.ctx.models.Payment, scopeFilter(scope), translateQuery('payment', query), paymentOut);
  }

  update(id: Id, scope: Scope, patch: { msg?: string }): Promise<Payment> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.ctx.models.Payment.findOne(this.filter(id, scope)).session(tx.session);
      if (doc === null) throw new NotFoundError('Payment', id);
      if (!hasChanges(patch)) return paymentOut(plain(doc));
      if (patch.msg !== undefined) doc.msg = patch.msg;
      await doc.save();
      tx.change('payment', 'updated', doc._id, doc.accountId);
      return paymentOut(plain(doc));
    });
  }

  delete(id: Id, scope: Scope): Promise<void> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.ctx.models.Payment.findOneAndDelete(this.filter(id, scope), { session: tx.session, lean: true });
      if (doc === null) throw new NotFoundError('Payment', id);
      tx.change('payment', 'deleted', doc._id, doc.accountId);
    });
  }

  private filter(id: Id, scope: Scope): Raw {
    return and(idEquals('_id', id), scopeFilter(scope));
  }
}
