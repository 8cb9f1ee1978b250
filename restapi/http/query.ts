/**
 * The query string, read flat: nested or operator parameters (`email[$ne]=x`) and repeated
 * parameters are malformed (400). What the parameters mean (the list conventions of API.md) is
 * transport-neutral: `shared/services/list-query.ts`.
 */
import type { Request } from 'restify';
import { badInput } from '../../shared/services/validation.js';

const RAW_QUERY = Symbol('workty.rawQuery');
type WithRawQuery = Request & { [RAW_QUERY]?: Record<string, string> };

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw badInput(what, 'The query string is not valid percent-encoded UTF-8');
  }
}

/**
 * The query string as flat name → value pairs (read once per request); 400 for nested, operator or
 * repeated parameters and for malformed percent-encoding.
 */
export function readRawQuery(req: Request): Record<string, string> {
  const cached = (req as WithRawQuery)[RAW_QUERY];
  if (cached !== undefined) return cached;
  const url = req.url ?? '';
  const at = url.indexOf('?');
  const out: Record<string, string> = {};
  if (at >= 0 && at < url.length - 1) {
    for (const pair of url.slice(at + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decode(eq < 0 ? pair : pair.slice(0, eq), 'query');
      const value = eq < 0 ? '' : decode(pair.slice(eq + 1), key);
      if (/[[\]]/.test(key)) throw badInput(key, `Operators and nested parameters are not accepted (${key})`);
      if (Object.hasOwn(out, key)) throw badInput(key, `Parameter ${key} is given more than once`);
      // defineProperty: a key such as `__proto__` stays a plain (unknown, so refused) parameter.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  (req as WithRawQuery)[RAW_QUERY] = out;
  return out;
}
