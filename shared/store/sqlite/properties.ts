/** Property lists (a workty's defaults, an instance's copies): edits that keep names unique. */
import { NotFoundError } from '../../domain/errors.js';
import { newId, type Id } from '../../domain/ids.js';
import type { Property } from '../../domain/model.js';
import { RULES } from '../../domain/rules.js';
import type { PropertyInput, PropertyPatch } from '../port.js';
import { invalid, type Checker } from './validate.js';

/** Copies properties with fresh ids (a copy never shares sub-document ids with its source). */
export function copyProperties(properties: ReadonlyArray<PropertyInput>): Property[] {
  return properties.map((p) => ({ _id: newId(), name: p.name, value: p.value }));
}

export function checkPropertyPatch(c: Checker, patch: PropertyPatch): void {
  if (patch.name !== undefined) c.propertyName('name', patch.name);
  if (patch.value !== undefined) c.propertyValue('value', patch.value);
}

export function withProperty(properties: Property[], input: PropertyInput): Property[] {
  if (properties.some((p) => p.name === input.name)) throw invalid('name', `duplicate property name "${input.name}"`);
  if (properties.length >= RULES.propertiesPerDocument.max) {
    throw invalid('properties', `more than ${RULES.propertiesPerDocument.max} properties`);
  }
  return [...properties, { _id: newId(), name: input.name, value: input.value }];
}

/** Renames and/or revalues one property; NotFoundError when it is not there. */
export function withPropertyChanged(properties: Property[], propertyId: Id, patch: PropertyPatch): Property[] {
  const index = properties.findIndex((p) => p._id === propertyId);
  const current = properties[index];
  if (current === undefined) throw new NotFoundError('Property', propertyId);
  const name = patch.name ?? current.name;
  if (properties.some((p) => p._id !== propertyId && p.name === name)) throw invalid('name', `duplicate property name "${name}"`);
  const next = [...properties];
  next[index] = { _id: current._id, name, value: patch.value === undefined ? current.value : patch.value };
  return next;
}

export function withoutProperty(properties: Property[], propertyId: Id): Property[] {
  if (!properties.some((p) => p._id === propertyId)) throw new NotFoundError('Property', propertyId);
  return properties.filter((p) => p._id !== propertyId);
}
