/**
 * The validation rules of stored documents, stated once: REST request schemas, the mongoose schemas
 * and the SQLite adapter all read them from here, so the three cannot drift apart.
 */

export const RULES = {
  name: { min: 1, max: 200 },
  desc: { max: 2000 },
  /** A pragmatic address check (something@something); the 2016 admin `supervisor@localhost` passes. */
  email: { max: 254, pattern: /^[^\s@]+@[^\s@]+$/ },
  password: { min: 12, max: 200 },
  /** Money is integer cents. */
  cents: { min: 0, max: 1_000_000_000 },
  discountPercent: { min: 0, max: 100 },
  propertyName: { min: 1, max: 100, pattern: /^[A-Za-z_][A-Za-z0-9_.-]*$/ },
  propertyValue: { maxLength: 10_000 },
  propertiesPerDocument: { max: 100 },
  /** Entry point: a relative path inside the package, no `..` segments. */
  entryPoint: { max: 255, pattern: /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_./-]+$/ },
  version: { max: 50 },
  label: { min: 1, max: 63, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/ },
  labelsPerDevice: { max: 50 },
  tokenName: { max: 100 },
  paymentMsg: { max: 500 },
  instancesPerWorkflow: { max: 500 },
  retry: {
    maxAttempts: { min: 1, max: 20 },
    backoffMs: { min: 0, max: 3_600_000 },
    timeoutMs: { min: 100, max: 7 * 24 * 3_600_000 },
  },
} as const;

/** The message format of the 2016 platform's validation errors (mongoose's), kept for clients. */
export const ruleMessage = {
  required: (path: string): string => `Path \`${path}\` is required.`,
  invalid: (path: string, why: string): string => `Path \`${path}\` is invalid: ${why}.`,
};
