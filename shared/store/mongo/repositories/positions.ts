/** Where a new instance goes in its workflow (API.md positions), as an index into the order. */
import { BadRequestError, ErrorCode } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { InstancePosition } from '../../port.js';

function bad(message: string, code: ErrorCode, path: string): never {
  throw new BadRequestError(message, code, [{ path, message }]);
}

/**
 * The index at which to insert into `order` (0..length): `first`, `last`, an explicit index, or
 * before a given instance; none = last. BadRequestError code 12 / 10 / 11 for a bad type / index /
 * id, code 1 when more than one is given.
 */
export function insertionIndex(order: readonly Id[], position: InstancePosition | undefined): number {
  const given = (position ?? {}) as { type?: unknown; index?: unknown; beforeId?: unknown };
  const kinds = (['type', 'index', 'beforeId'] as const).filter((k) => given[k] !== undefined);
  if (kinds.length > 1) bad('Give at most one of position_type, position_index and position_id', ErrorCode.invalidInput, 'position');
  if (given.type !== undefined) {
    if (given.type === 'first') return 0;
    if (given.type === 'last') return order.length;
    return bad('position_type must be first or last', ErrorCode.badPositionType, 'position_type');
  }
  if (given.index !== undefined) {
    const index = given.index;
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index <= order.length) return index;
    return bad(`position_index must be an integer from 0 to ${order.length}`, ErrorCode.badPositionIndex, 'position_index');
  }
  if (given.beforeId !== undefined) {
    const index = typeof given.beforeId === 'string' ? order.indexOf(given.beforeId) : -1;
    if (index >= 0) return index;
    return bad('position_id must be the id of an instance of this workflow', ErrorCode.badPositionId, 'position_id');
  }
  return order.length;
}
