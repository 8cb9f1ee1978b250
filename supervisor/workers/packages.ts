/**
 * `GET /worker/packages/<sha256>`: a package archive for a board, with HTTP Basic `deviceId:secret`
 * (the same credential as the socket handshake; a disabled device is refused). Packages are
 * addressed by content hash and only learnt through a dispatch.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isId } from '../../shared/domain/ids.js';
import type { Logger } from '../../shared/log.js';
import { secretMatches } from '../../shared/security/secrets.js';
import type { Store } from '../../shared/store/port.js';
import { sendError } from '../http.js';

const SHA256 = /^[0-9a-f]{64}$/;

function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (match === null) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function packageDownload(store: Store, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse, hash: string): Promise<void> => {
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials === null || !isId(credentials.user)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="workty-worker"');
      sendError(res, 401, 'device credentials required (Basic deviceId:secret)');
      return;
    }
    const stored = await store.devices.getCredentials(credentials.user);
    if (stored === null || !secretMatches(credentials.password, stored.secretHash)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="workty-worker"');
      sendError(res, 401, 'unknown device or wrong secret');
      return;
    }
    if (stored.device.disabled) {
      sendError(res, 403, `device "${stored.device.name}" is disabled by an administrator`);
      return;
    }
    if (!SHA256.test(hash)) {
      sendError(res, 400, 'a package is named by the SHA-256 of its bytes: 64 lower-case hex characters');
      return;
    }
    const bytes = await store.packages.get(hash);
    if (bytes === null) {
      sendError(res, 404, `package ${hash} not found`);
      return;
    }
    logger.debug({ deviceId: credentials.user, hash, size: bytes.length }, 'package sent');
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': bytes.length, 'Cache-Control': 'private, max-age=31536000, immutable' });
    res.end(bytes);
  };
}
