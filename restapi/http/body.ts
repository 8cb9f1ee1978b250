/**
 * Reading a JSON request body under a size limit: a body that is not JSON is refused (415) before it
 * is read, a declared length over the limit is refused at once, and a streamed body is cut off as
 * soon as it passes the limit (413), so an oversized upload never sits in memory.
 */
import type { Request } from 'restify';
import { BadRequestError, PayloadTooLargeError } from '../../shared/domain/errors.js';
import { UnsupportedMediaTypeError } from './errors.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/** True when the request carries a body at all (a length above 0, or chunked). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * The parsed body, or undefined when there is none. Throws 415 for a non-JSON media type, a
 * content encoding, a charset other than UTF-8 or bytes that do not parse; 413 over `limit` bytes.
 */
export async function readJsonBody(req: Request, limit: number): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  const [mediaType = '', ...parameters] = (req.headers['content-type'] ?? '').split(';').map((part) => part.trim());
  if (!JSON_TYPE.test(mediaType)) {
    throw new UnsupportedMediaTypeError('The body must be JSON, sent with Content-Type: application/json');
  }
  const charset = parameters.find((p) => p.toLowerCase().startsWith('charset='))?.slice(8).replace(/"/g, '').toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError('The body must be UTF-8 JSON');
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new UnsupportedMediaTypeError(`Content-Encoding ${encoding} is not supported; send the JSON as is`);
  }
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const text = await readLimited(req, limit);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UnsupportedMediaTypeError(`The body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The body is larger than ${limit} bytes`);
}

function readLimited(req: Request, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      const bytes = Buffer.concat(chunks);
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
      try {
        resolve(text.decode(bytes));
      } catch {
        reject(new UnsupportedMediaTypeError('The body is not valid UTF-8'));
      }
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onAborted = (): void => {
      cleanup();
      reject(new BadRequestError('The request was aborted while its body was being read'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
    req.resume();
  });
}
