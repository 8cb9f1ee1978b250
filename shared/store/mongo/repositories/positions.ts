/** Where a new instance goes in its workflow (API.md positions), as an index into the order. */
import { BadRequestError, ErrorCode } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { InstancePosition } from '../../port.js';

function bad(message: string, code: ErrorCode, path: string): never {
  throw new BadRequestError(message, code, [{ path, message }]);
}

/**
 * The index at which to insert into `order` (0..length): `first`, `last`, an explicit index, or
 * before a given instance; none = last. BadRequestError code 12 for a bad type (or more than one
 * kind, or an unknown one), 10 for a bad index, 11 for an id that is not an instance of the workflow.
 */
export function insertionIndex(order: readonly Id[], position: InstancePosition | undefined | null): number {
  if (position === undefined || position === null) return order.length;
  const given = position as { type?: unknown; index?: unknown; beforeId?: unknown };
  const keys = Object.keys(given);
  if (keys.length === 0) return order.length;
  if (keys.length > 1) bad('Give one of position_type, position_index, position_id', ErrorCode.badPositionType, 'position_type');
  if ('type' in given) {
    if (given.type === 'first') return 0;
    if (given.type === 'last') return order.length;
    return bad(`Bad position_type "${String(given.type)}": use first or last`, ErrorCode.badPositionType, 'position_type');
  }
  if ('index' in given) {
    const index = given.index;
    if (typeof index === 'number' && Number.isInteger(index) && index >= 0 && index <= order.length) return index;
    return bad(`Bad position_index ${String(index)}: use 0..${order.length}`, ErrorCode.badPositionIndex, 'position_index');
  }
  if ('beforeId' in given) {
    const index = typeof given.beforeId === 'string' ? order.indexOf(given.beforeId) : -1;
    if (index >= 0) return index;
    return bad(`Bad position_id ${String(given.beforeId)}: not an instance of this workflow`, ErrorCode.badPositionId, 'position_id');
  }
  return bad(`Unknown position "${keys[0] ?? ''}"`, ErrorCode.badPositionType, 'position_type');
}
