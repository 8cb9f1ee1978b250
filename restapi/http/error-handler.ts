/**
 * The one restify error handler: every error that reaches restify (from a route's `next(err)`, the
 * router, or a pre handler) is answered here, once, with the JSON error body (see errors.ts).
 */
import type { Request, Response, Server } from 'restify';
import { PayloadTooLargeError } from '../../shared/domain/errors.js';
import type { Logger } from '../../shared/log.js';
import { toErrorResponse } from './errors.js';
import { sendJson } from './send.js';

/** Installs the handler on the server. */
export function installErrorHandler(server: Server, logger: Logger): void {
  server.on('restifyError', (req: Request, res: Response, error: unknown, done: () => void) => {
    const response = toErrorResponse(error);
    if (response.internal) {
      logger.error({ err: error, method: req.method, route: req.getRoute()?.path }, 'request failed');
    }
    if (!res.headersSent) {
      if (response.status === 413 || error instanceof PayloadTooLargeError) {
        // The rest of an oversized body is not read: the connection cannot be reused.
        res.setHeader('Connection', 'close');
      }
      sendJson(req, res, response.status, response.body, response.headers);
    }
    done();
  });
}

