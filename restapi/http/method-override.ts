/**
 * `X-Http-Method-Override: PUT|DELETE` on a POST is served as that method (for clients that can only
 * POST). Any other override on a POST is refused (400) rather than silently served as a POST.
 */
import type { Request, Response } from 'restify';
import { badInput } from '../../shared/services/validation.js';

const ALLOWED = new Set(['PUT', 'DELETE']);

/** restify `pre` handler (runs before routing, so the overridden method picks the route). */
export function methodOverride(req: Request, _res: Response, next: (error?: unknown) => void): void {
  const header = req.headers['x-http-method-override'];
  if (header === undefined || req.method !== 'POST') {
    next();
    return;
  }
  const method = String(header).trim().toUpperCase();
  if (!ALLOWED.has(method)) {
    next(badInput('X-Http-Method-Override', 'X-Http-Method-Override must be PUT or DELETE'));
    return;
  }
  req.method = method;
  next();
}
