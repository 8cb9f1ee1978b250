/** The domain package: entities, lifecycles, permissions, queries and errors shared by every role. */
export { newId, isId, nowIso } from './ids.js';
export type { Id } from './ids.js';
export {
  ErrorCode, DomainError, BadRequestError, UnauthorizedError, InsufficientFundsError, ForbiddenError,
  NotFoundError, ValidationError, ConflictError, PayloadTooLargeError, TooManyRequestsError,
  IllegalStateError, isDomainError,
} from './errors.js';
export type { FieldError } from './errors.js';
export {
  INSTANCE_STATES, RUN_STATUSES, ACTIVE_RUN_STATUSES, FINAL_RUN_STATUSES, ATTEMPT_STATUSES,
  FINAL_ATTEMPT_STATUSES, LIVE_ATTEMPT_STATUSES, DEVICE_STATES, RUN_COMMANDS, isFinalRunStatus,
} from './states.js';
export type { InstanceState, RunStatus, AttemptStatus, DeviceState, RunCommand } from './states.js';
export { ROLE_NAMES, JOURNAL_TYPES } from './model.js';
export type {
  RoleName, PropertyValue, Property, Account, AccountCredentials, Workflow, InstanceTarget, RetryPolicy,
  WorktyInstance, PackageRef, Workty, Payment, DeviceFacts, Device, DeviceCredentials, Token,
  TokenCredentials, DictionaryEntry, Attempt, Checkpoint, RunInstance, RunDesired, Run, JournalType,
  JournalEntry, LogStream, LogChunk, EntityKind, ChangeEvent,
} from './model.js';
export {
  ENTITY_FIELDS, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ALL, scopeAccount, isScalarField, fieldKind,
  normaliseQuery, project,
} from './query.js';
export type { FieldKind, ListedEntity, FilterValue, SortKey, ListQuery, Page, Scope, NormalisedQuery } from './query.js';
export { RULES, ruleMessage } from './rules.js';
export { ROLE_GRANTS, reachOf, isAdmin, authorize } from './acl.js';
export type { Resource, Action, Reach, Authorization } from './acl.js';
export {
  DICTIONARY_NAMES, DICTIONARIES, dictionaryEntryId, dictionaryEntry, runtimeOfLanguageType, idOf,
} from './dictionaries.js';
export type { DictionaryName } from './dictionaries.js';
