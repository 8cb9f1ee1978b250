/**
 * Payments: installing a template into an account (copy + charge + record) in one transaction. The
 * balance check and the debit happen under the write lock, and `amount >= 0` is also a table
 * constraint, so concurrent purchases can never take a balance below zero.
 */
import { ForbiddenError, InsufficientFundsError, NotFoundError } from '../../domain/errors.js';
import { newId, nowIso, type Id } from '../../domain/ids.js';
import type { Payment, Property, Workty } from '../../domain/model.js';
import { project, scopeAccount, type ListQuery, type Page, type Scope } from '../../domain/query.js';
import { RULES } from '../../domain/rules.js';
import type { PaymentRepository } from '../port.js';
import { chargeCents } from '../pricing.js';
import type { SqliteContext } from './database.js';
import { copyProperties } from './properties.js';
import { listPage, projection, type ListSpec } from './query.js';
import { validate } from './validate.js';
import { insertWorkty, toWorkty, type WorktyRow } from './workties.js';

interface PaymentRow {
  _id: Id;
  accountId: Id;
  worktyId: Id;
  templateId: Id;
  amount: number;
  msg: string;
  created: string;
}

const toPayment = (row: PaymentRow): Payment => ({ ...row });

export class SqlitePayments implements PaymentRepository {
  constructor(private readonly ctx: SqliteContext) {}

  private scoped(id: Id, scope: Scope): PaymentRow | null {
    const row = this.ctx.stmt('SELECT * FROM payments WHERE _id = ?').get(id) as PaymentRow | undefined;
    const tenant = scopeAccount(scope);
    return row === undefined || (tenant !== null && row.accountId !== tenant) ? null : row;
  }

  async purchase(accountId: Id, templateId: Id, msg?: string): Promise<{ payment: Payment; workty: Workty }> {
    validate((c) => c.text('msg', msg, RULES.paymentMsg));
    return this.ctx.write(() => {
      const account = this.ctx.stmt('SELECT amount, removed FROM accounts WHERE _id = ?').get(accountId) as { amount: number; removed: number } | undefined;
      if (account === undefined) throw new NotFoundError('Account', accountId);
      if (account.removed === 1) throw new ForbiddenError('Account removed', 14);
      const template = this.ctx.stmt('SELECT * FROM workties WHERE _id = ? AND template = 1').get(templateId) as WorktyRow | undefined;
      if (template === undefined) throw new NotFoundError('Workty template', templateId);
      const charge = chargeCents(template.price, template.discountPercent);
      if (account.amount < charge) throw new InsufficientFundsError(charge, account.amount);

      const debited = this.ctx.stmt('UPDATE accounts SET amount = amount - ?, updated = ? WHERE _id = ? AND amount >= ?')
        .run(charge, nowIso(), accountId, charge);
      if (debited.changes !== 1) throw new InsufficientFundsError(charge, account.amount);
      this.ctx.change('account', 'updated', accountId, accountId, { amount: account.amount - charge });

      const now = nowIso();
      const copy: WorktyRow = {
        ...template, _id: newId(), accountId, template: 0, templateId: template._id,
        properties: JSON.stringify(copyProperties(JSON.parse(template.properties) as Property[])), created: now, updated: now,
      };
      insertWorkty(this.ctx, copy);
      this.ctx.change('workty', 'created', copy._id, accountId, { template: false, templateId });

      const payment: PaymentRow = { _id: newId(), accountId, worktyId: copy._id, templateId, amount: charge, msg: msg ?? '', created: nowIso() };
      this.ctx.stmt(`INSERT INTO payments (_id, accountId, worktyId, templateId, amount, msg, created)
        VALUES (@_id, @accountId, @worktyId, @templateId, @amount, @msg, @created)`).run(payment);
      this.ctx.change('payment', 'created', payment._id, accountId, { worktyId: copy._id, templateId });
      return { payment: toPayment(payment), workty: toWorkty(copy) };
    });
  }

  async get(id: Id, scope: Scope, fields?: string[]): Promise<Payment | null> {
    const wanted = projection('payment', fields);
    const row = this.scoped(id, scope);
    return row === null ? null : project(toPayment(row), wanted);
  }

  async list(scope: Scope, query?: ListQuery): Promise<Page<Payment>> {
    const tenant = scopeAccount(scope);
    const spec: ListSpec = {
      entity: 'payment', table: 'payments', where: tenant === null ? [] : ['accountId = ?'], params: tenant === null ? [] : [tenant],
      defaultOrder: '"created" ASC', tieBreak: '"_id" ASC',
    };
    return listPage(this.ctx, spec, query, toPayment);
  }

  async update(id: Id, scope: Scope, patch: { msg?: string }): Promise<Payment> {
    validate((c) => c.text('msg', patch.msg, RULES.paymentMsg));
    return this.ctx.write(() => {
      const row = this.scoped(id, scope);
      if (row === null) throw new NotFoundError('Payment', id);
      if (patch.msg === undefined) return toPayment(row);
      this.ctx.stmt('UPDATE payments SET msg = ? WHERE _id = ?').run(patch.msg, id);
      this.ctx.change('payment', 'updated', id, row.accountId);
      return toPayment({ ...row, msg: patch.msg });
    });
  }

  async delete(id: Id, scope: Scope): Promise<void> {
    this.ctx.write(() => {
      const row = this.scoped(id, scope);
      if (row === null) throw new NotFoundError('Payment', id);
      this.ctx.stmt('DELETE FROM payments WHERE _id = ?').run(id);
      this.ctx.change('payment', 'deleted', id, row.accountId);
    });
  }
}
