/**
 * The `/worker` handshake: nothing of the namespace runs before a board is authenticated. A refusal
 * is a `connect_error` whose message says why and whose data is `{code, retryAfterMs}`; the message
 * never repeats what was sent, and never says whether an unknown device exists.
 */
import type { Socket } from 'socket.io';
import type { Device } from '../../shared/domain/model.js';
import type { Logger } from '../../shared/log.js';
import { MIN_SUPPORTED_PROTOCOL_VERSION, PROTOCOL_VERSION, type Refusal, type RefusalCode } from '../../shared/protocol/worker.js';
import { secretMatches } from '../../shared/security/secrets.js';
import type { Store } from '../../shared/store/port.js';
import { handshakeSchema } from './messages.js';

/** How long a refused board should wait before it tries again, by reason. */
export const RETRY_AFTER_MS: Record<RefusalCode, number> = {
  'bad-credentials': 60_000,
  disabled: 60_000,
  'protocol-version': 3_600_000,
  'bad-handshake': 60_000,
  'shutting-down': 2_000,
};

export class HandshakeRefusal extends Error {
  readonly data: Refusal;
  constructor(code: RefusalCode, message: string, retryAfterMs = RETRY_AFTER_MS[code]) {
    super(message);
    this.name = 'HandshakeRefusal';
    this.data = { code, retryAfterMs };
  }
}

export interface HandshakeDeps {
  store: Store;
  logger: Logger;
  /** True once the supervisor is shutting down. */
  closing: () => boolean;
}

/** The authenticated device of each accepted socket, for the connection handler. */
export type HandshakeDevices = WeakMap<Socket, Device>;

export function workerHandshake(deps: HandshakeDeps, devices: HandshakeDevices) {
  return (socket: Socket, next: (error?: Error) => void): void => {
    authenticate(deps, socket).then(
      (device) => {
        devices.set(socket, device);
        next();
      },
      (error: unknown) => {
        if (error instanceof HandshakeRefusal) {
          deps.logger.info({ code: error.data.code, address: socket.handshake.address }, `worker handshake refused: ${error.message}`);
          next(error);
          return;
        }
        deps.logger.error({ err: error }, 'worker handshake failed');
        next(new HandshakeRefusal('shutting-down', 'the supervisor cannot check credentials right now; retry soon', 5_000));
      },
    );
  };
}

async function authenticate(deps: HandshakeDeps, socket: Socket): Promise<Device> {
  if (deps.closing()) throw new HandshakeRefusal('shutting-down', 'the supervisor is shutting down; retry soon');
  const parsed = handshakeSchema.safeParse(socket.handshake.auth);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || 'auth'))].join(', ');
    throw new HandshakeRefusal('bad-handshake', `malformed handshake: expected auth {deviceId, secret, protocolVersion, agentVersion} (bad: ${fields})`);
  }
  const auth = parsed.data;
  if (auth.protocolVersion < MIN_SUPPORTED_PROTOCOL_VERSION || auth.protocolVersion > PROTOCOL_VERSION) {
    const supported = MIN_SUPPORTED_PROTOCOL_VERSION === PROTOCOL_VERSION ? `${PROTOCOL_VERSION}` : `${MIN_SUPPORTED_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`;
    throw new HandshakeRefusal('protocol-version',
      `agent ${auth.agentVersion} speaks worker protocol ${auth.protocolVersion}; this supervisor speaks ${supported}: upgrade the ${auth.protocolVersion < MIN_SUPPORTED_PROTOCOL_VERSION ? 'worker' : 'supervisor'}`);
  }
  const credentials = await deps.store.devices.getCredentials(auth.deviceId);
  if (credentials === null || !secretMatches(auth.secret, credentials.secretHash)) {
    throw new HandshakeRefusal('bad-credentials', 'unknown device or wrong secret (a rotated secret stops working at once)');
  }
  if (credentials.device.disabled) {
    throw new HandshakeRefusal('disabled', `device "${credentials.device.name}" is disabled by an administrator`);
  }
  socket.data = { deviceId: auth.deviceId, agentVersion: auth.agentVersion, protocolVersion: auth.protocolVersion };
  // The handshake object lives as long as the connection: it need not keep the secret.
  delete (socket.handshake.auth as { secret?: string }).secret;
  return credentials.device;
}
