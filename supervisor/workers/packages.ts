/**
 * `GET /worker/packages/<sha256>`: a package archive for a board, with HTTP Basic `deviceId:secret`
 * (the same credential as the socket handshake; a disabled device is refused). Packages are
 * addressed by content hash and only learnt through a dispatch.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../shared/log.js';
import type { Store } from '../../shared/store/port.js';
import { sendError, sendJson } from '../http.js';
import { authenticateDevice } from './device-auth.js';

const SHA256 = /^[0-9a-f]{64}$/;

export function packageDownload(store: Store, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse, hash: string): Promise<void> => {
    const auth = await authenticateDevice(store, req);
    if (!('device' in auth)) {
      for (const [name, value] of Object.entries(auth.headers)) res.setHeader(name, value);
      sendError(res, auth.status, auth.message);
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
    logger.debug({ deviceId: auth.device._id, hash, size: bytes.length }, 'package sent');
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': bytes.length, 'Cache-Control': 'private, max-age=31536000, immutable' });
    res.end(bytes);
  };
}

/**
 * `GET /worker/credential`: whether a device credential works, for `enrol` on a new board. Answers
 * the device's id and name (what the board will run as), or the refusal a worker would get.
 */
export function credentialCheck(store: Store) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = await authenticateDevice(store, req);
    if (!('device' in auth)) {
      for (const [name, value] of Object.entries(auth.headers)) res.setHeader(name, value);
      sendError(res, auth.status, auth.message);
      return;
    }
    sendJson(res, 200, { device: { _id: auth.device._id, name: auth.device.name } });
  };
}
