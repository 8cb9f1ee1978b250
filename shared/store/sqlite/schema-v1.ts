/**
 * Schema version 1. Column names are the documents' field names (ENTITY_FIELDS), so list queries
 * translate a whitelisted field to its column one to one; nested data (properties, targets, facts,
 * journal data) is JSON text. `desc` is an SQL keyword and always quoted.
 *
 * Foreign keys without ON DELETE guard against orphans: cascades are explicit in the adapter, because
 * each deleted document must also append its change event. Only children that are not documents of
 * their own (run instances, attempts, journal, logs) cascade in SQL.
 */
export const SCHEMA_V1 = `
CREATE TABLE accounts (
  _id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  emailKey TEXT NOT NULL UNIQUE,           -- lower-cased email: uniqueness and lookup ignore case
  passwordHash TEXT NOT NULL,
  credentialsVersion INTEGER NOT NULL,
  aclRoleNames TEXT NOT NULL,              -- JSON array
  amount INTEGER NOT NULL CHECK (amount >= 0),
  removed INTEGER NOT NULL,
  removedDate TEXT,
  created TEXT NOT NULL,
  updated TEXT NOT NULL
) STRICT;
CREATE INDEX accounts_by_created ON accounts (created, _id);

CREATE TABLE packages (
  hash TEXT PRIMARY KEY,                   -- SHA-256 hex of the bytes
  size INTEGER NOT NULL,
  bytes BLOB NOT NULL,
  created TEXT NOT NULL
) STRICT;

CREATE TABLE workties (
  _id TEXT PRIMARY KEY,
  accountId TEXT NOT NULL REFERENCES accounts (_id),
  name TEXT NOT NULL,
  "desc" TEXT NOT NULL,
  template INTEGER NOT NULL,
  templateId TEXT,
  typeId TEXT NOT NULL,
  categoryId TEXT NOT NULL,
  languageTypeId TEXT NOT NULL,
  validationStateId TEXT NOT NULL,
  entryPointModuleFileName TEXT NOT NULL,
  properties TEXT NOT NULL,                -- JSON array of {_id, name, value}
  price INTEGER NOT NULL,
  discountPercent REAL NOT NULL,
  version TEXT NOT NULL,
  packageHash TEXT REFERENCES packages (hash),
  packageSize INTEGER,
  created TEXT NOT NULL,
  updated TEXT NOT NULL
) STRICT;
CREATE INDEX workties_by_account ON workties (accountId, created, _id);
CREATE INDEX workties_templates ON workties (template, created, _id);
CREATE INDEX workties_by_package ON workties (packageHash) WHERE packageHash IS NOT NULL;

CREATE TABLE workflows (
  _id TEXT PRIMARY KEY,
  accountId TEXT NOT NULL REFERENCES accounts (_id),
  name TEXT NOT NULL,
  "desc" TEXT NOT NULL,
  lastRunId TEXT,
  created TEXT NOT NULL,
  updated TEXT NOT NULL
) STRICT;
CREATE INDEX workflows_by_account ON workflows (accountId, created, _id);
CREATE INDEX workflows_by_created ON workflows (created, _id);

CREATE TABLE instances (
  _id TEXT PRIMARY KEY,
  workflowId TEXT NOT NULL REFERENCES workflows (_id),
  accountId TEXT NOT NULL,
  worktyId TEXT NOT NULL REFERENCES workties (_id),
  position INTEGER NOT NULL,               -- 0-based, dense per workflow
  name TEXT NOT NULL,
  "desc" TEXT NOT NULL,
  state TEXT NOT NULL,
  properties TEXT NOT NULL,                -- JSON array of {_id, name, value}
  target TEXT,                             -- JSON {deviceId?, labels?}
  retry TEXT,                              -- JSON partial RetryPolicy
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  UNIQUE (workflowId, position)
) STRICT;
CREATE INDEX instances_by_workty ON instances (worktyId);
CREATE INDEX instances_by_account ON instances (accountId);

CREATE TABLE runs (
  _id TEXT PRIMARY KEY,
  workflowId TEXT NOT NULL REFERENCES workflows (_id),
  accountId TEXT NOT NULL,
  status TEXT NOT NULL,
  desired TEXT NOT NULL,
  error TEXT,
  created TEXT NOT NULL,
  started TEXT,
  ended TEXT,
  updated TEXT NOT NULL
) STRICT;
CREATE INDEX runs_by_workflow ON runs (workflowId, created, _id);
CREATE INDEX runs_by_account ON runs (accountId);
CREATE INDEX runs_active ON runs (created, _id) WHERE status IN ('queued', 'running', 'paused');

-- The snapshot of a run's instances (RunInstance), one row each, in execution order.
CREATE TABLE run_instances (
  runId TEXT NOT NULL REFERENCES runs (_id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  instanceId TEXT NOT NULL,
  worktyId TEXT NOT NULL,
  name TEXT NOT NULL,
  runtime TEXT NOT NULL,
  entryPoint TEXT NOT NULL,
  packageHash TEXT,                        -- no foreign key: history outlives packages
  packageSize INTEGER,
  properties TEXT NOT NULL,
  target TEXT,
  retry TEXT,
  state TEXT NOT NULL,
  checkpoint TEXT,                         -- JSON {state, data}
  notBefore TEXT,
  PRIMARY KEY (runId, idx)
) STRICT, WITHOUT ROWID;
CREATE INDEX run_instances_by_package ON run_instances (packageHash) WHERE packageHash IS NOT NULL;

CREATE TABLE attempts (
  runId TEXT NOT NULL,
  idx INTEGER NOT NULL,
  number INTEGER NOT NULL,
  deviceId TEXT NOT NULL,
  status TEXT NOT NULL,
  leaseToken TEXT NOT NULL,
  leaseExpires TEXT NOT NULL,
  dispatched TEXT NOT NULL,
  started TEXT,
  ended TEXT,
  exitCode INTEGER,
  result TEXT,                             -- JSON
  error TEXT,
  lastSeq INTEGER NOT NULL,
  PRIMARY KEY (runId, idx, number),
  FOREIGN KEY (runId, idx) REFERENCES run_instances (runId, idx) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX attempts_live_by_device ON attempts (deviceId) WHERE status IN ('dispatched', 'running');
CREATE INDEX attempts_live_by_lease ON attempts (leaseExpires) WHERE status IN ('dispatched', 'running');

CREATE TABLE journal (
  runId TEXT NOT NULL REFERENCES runs (_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,                    -- dense, 1-based per run
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  instanceId TEXT,
  attempt INTEGER,
  data TEXT NOT NULL,
  PRIMARY KEY (runId, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE logs (
  runId TEXT NOT NULL REFERENCES runs (_id) ON DELETE CASCADE,
  instanceId TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  stream TEXT NOT NULL,
  text TEXT NOT NULL,
  bytes INTEGER NOT NULL,                  -- UTF-8 length of text, for the per-attempt bound
  at TEXT NOT NULL,
  PRIMARY KEY (runId, instanceId, attempt, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE payments (
  _id TEXT PRIMARY KEY,
  accountId TEXT NOT NULL REFERENCES accounts (_id),
  worktyId TEXT NOT NULL,                  -- the installed copy (it may be deleted later)
  templateId TEXT NOT NULL,
  amount INTEGER NOT NULL,
  msg TEXT NOT NULL,
  created TEXT NOT NULL
) STRICT;
CREATE INDEX payments_by_account ON payments (accountId, created, _id);

CREATE TABLE devices (
  _id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  "desc" TEXT NOT NULL,
  labels TEXT NOT NULL,                    -- JSON array
  disabled INTEGER NOT NULL,
  state TEXT NOT NULL,
  lastSeen TEXT,
  facts TEXT,                              -- JSON DeviceFacts
  credentialIssued TEXT NOT NULL,
  secretHash TEXT NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL
) STRICT;

CREATE TABLE tokens (
  _id TEXT PRIMARY KEY,
  accountId TEXT NOT NULL REFERENCES accounts (_id),
  name TEXT NOT NULL,
  tokenHash TEXT NOT NULL UNIQUE,
  expires TEXT NOT NULL,
  revoked INTEGER NOT NULL,
  created TEXT NOT NULL
) STRICT;
CREATE INDEX tokens_by_account ON tokens (accountId, created, _id);
CREATE INDEX tokens_by_expiry ON tokens (expires);

CREATE TABLE dictionary_entries (
  dictionary TEXT NOT NULL,
  _id TEXT NOT NULL,
  name TEXT NOT NULL,
  "desc" TEXT NOT NULL,
  parentId TEXT,
  version TEXT,
  runtime TEXT,
  UNIQUE (dictionary, _id)
) STRICT;

-- AUTOINCREMENT: sequence numbers are never reused, even after prune() emptied the table.
CREATE TABLE changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  entity TEXT NOT NULL,
  op TEXT NOT NULL,
  id TEXT NOT NULL,
  accountId TEXT,
  data TEXT NOT NULL
) STRICT;
`;
