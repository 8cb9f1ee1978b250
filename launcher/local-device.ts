/**
 * The device the launcher's own worker runs as. Its id and secret are kept in
 * DATA_DIR/local-worker.json (mode 0600); a missing device is made again and a secret that no longer
 * matches (rotated by an admin) is replaced, so `npm start` always brings a working local worker.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../shared/log.js';
import { generateSecret, hashSecret, secretMatches } from '../shared/security/secrets.js';
import type { Store } from '../shared/store/port.js';

export interface LocalDeviceCredential {
  deviceId: string;
  secret: string;
}

export const LOCAL_DEVICE_NAME = 'local';

export function localDeviceFile(dataDir: string): string {
  return join(dataDir, 'local-worker.json');
}

export async function ensureLocalDevice(store: Store, dataDir: string, logger: Logger): Promise<LocalDeviceCredential> {
  const file = localDeviceFile(dataDir);
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalDeviceCredential>) : {};
  if (saved.deviceId !== undefined && saved.secret !== undefined) {
    const stored = await store.devices.getCredentials(saved.deviceId);
    if (stored !== null && secretMatches(saved.secret, stored.secretHash)) return { deviceId: saved.deviceId, secret: saved.secret };
    if (stored !== null) {
      const secret = generateSecret();
      await store.devices.rotateCredential(saved.deviceId, hashSecret(secret));
      logger.info({ deviceId: saved.deviceId }, 'local worker credential was rotated elsewhere; issued a new one');
      return save(file, { deviceId: saved.deviceId, secret });
    }
  }
  const secret = generateSecret();
  const device = await store.devices.create({
    name: LOCAL_DEVICE_NAME,
    desc: 'The worker started by npm start on this machine',
    labels: ['local'],
    secretHash: hashSecret(secret),
  });
  logger.info({ deviceId: device._id }, 'enrolled the local worker');
  return save(file, { deviceId: device._id, secret });
}

function save(file: string, credential: LocalDeviceCredential): LocalDeviceCredential {
  writeFileSync(file, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  return credential;
}
