/**
 * HTTP Basic `deviceId:secret` for a board's plain HTTPS requests (package downloads, the credential
 * check of `enrol`): the same credential as the socket handshake; a disabled device is refused. A
 * refusal never says whether an unknown device exists.
 */
import type { IncomingMessage } from 'node:http';
import { isId } from '../../shared/domain/ids.js';
import type { Device } from '../../shared/domain/model.js';
import { secretMatches } from '../../shared/security/secrets.js';
import type { Store } from '../../shared/store/port.js';

export type DeviceAuth =
  | { device: Device }
  | { status: 401 | 403; message: string; headers: Record<string, string> };

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="workty-worker"' };

function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (match === null) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function authenticateDevice(store: Store, req: IncomingMessage): Promise<DeviceAuth> {
  const credentials = basicCredentials(req.headers.authorization);
  if (credentials === null || !isId(credentials.user)) {
    return { status: 401, message: 'device credentials required (Basic deviceId:secret)', headers: CHALLENGE };
  }
  const stored = await store.devices.getCredentials(credentials.user);
  if (stored === null || !secretMatches(credentials.password, stored.secretHash)) {
    return { status: 401, message: 'unknown device or wrong secret', headers: CHALLENGE };
  }
  if (stored.device.disabled) {
    return { status: 403, message: `device "${stored.device.name}" is disabled by an administrator`, headers: {} };
  }
  return { device: stored.device };
}
