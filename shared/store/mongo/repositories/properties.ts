/** Properties embedded in workties and instances: new ids on creation and copy, patches by id. */
import { Types } from 'mongoose';
import { NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { PropertyInput, PropertyPatch } from '../../port.js';
import { idOut } from '../convert.js';
import type { PropertyRecord } from '../models/embedded.js';

/** Stored properties for inputs (or for copies of another document's), each with a new id. */
export function newProperties(inputs: ReadonlyArray<PropertyInput | PropertyRecord> | undefined): PropertyRecord[] {
  return (inputs ?? []).map((p) => ({ _id: new Types.ObjectId(), name: p.name, value: p.value === undefined ? null : p.value }));
}

/** Applies a patch to the property `propertyId` of an embedded list; NotFoundError if it is not there. */
export function applyPropertyPatch(properties: PropertyRecord[], propertyId: Id, patch: PropertyPatch): void {
  const property = properties.find((p) => idOut(p._id) === propertyId);
  if (property === undefined) throw new NotFoundError('Property', propertyId);
  if (patch.name !== undefined) property.name = patch.name;
  if (patch.value !== undefined) property.value = patch.value;
}
