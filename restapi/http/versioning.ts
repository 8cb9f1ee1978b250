/**
 * Dated sub-versions of the API (`Accept-Version: YYYY.M.D`, a semver range as restify reads it).
 * `2016.10.1` is the 2016 platform's and stays accepted; no header means the latest; a version or
 * range that matches none is a 400. The answer says which version served it (`Api-Version`).
 */
import type { Request, Response } from 'restify';
import semver from 'semver';
import { badInput } from '../../shared/services/validation.js';

/** Every version this server speaks, oldest first. */
export const API_VERSIONS = ['2016.10.1', '2026.11.21'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
export const LATEST_API_VERSION: ApiVersion = API_VERSIONS[API_VERSIONS.length - 1]!;

/** The version a header asks for, or null when it matches none. */
export function pickVersion(header: string | undefined): ApiVersion | null {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return LATEST_API_VERSION;
  if (semver.validRange(header) === null) return null;
  return (semver.maxSatisfying([...API_VERSIONS], header) as ApiVersion | null) ?? null;
}

/** restify `pre` handler. */
export function versioning(req: Request, res: Response, next: (error?: unknown) => void): void {
  const header = req.headers['accept-version'];
  const value = Array.isArray(header) ? header.join(',') : header;
  const version = pickVersion(value);
  if (version === null) {
    next(badInput('Accept-Version', `Unsupported Accept-Version; this server speaks ${API_VERSIONS.join(', ')}`));
    return;
  }
  res.setHeader('Api-Version', version);
  next();
}
