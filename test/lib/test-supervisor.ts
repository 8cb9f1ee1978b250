/**
 * The supervisor side of the client socket tests: an HTTPS server on port 0 with socket.io, the change
 * feed follower and the client API attached, on the given store — the pieces the supervisor's
 * composition root puts together for client sockets.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import type { Logger } from '../../shared/log.js';
import { PasswordLogin } from '../../shared/security/login.js';
import { CredentialVerifier, PasswordHasher } from '../../shared/security/passwords.js';
import { LoginThrottle } from '../../shared/security/throttle.js';
import { loadTls } from '../../shared/security/tls.js';
import { createServices } from '../../shared/services/index.js';
import type { Store } from '../../shared/store/port.js';
import { ChangeFeedTailer } from '../../supervisor/change-feed.js';
import { attachClientApi, type ClientApi } from '../../supervisor/clients/index.js';

export interface TestSupervisorOptions {
  /** Change feed polling (default 50 ms). */
  changeFeedPollMs?: number;
  loginFailuresPerAccount?: number;
  loginFailuresPerAddress?: number;
}

export interface TestSupervisor {
  url: string;
  port: number;
  io: IoServer;
  api: ClientApi;
  tailer: ChangeFeedTailer;
  close(): Promise<void>;
}

export async function startTestSupervisor(options: TestSupervisorOptions & { store: Store; dataDir: string; logger: Logger }): Promise<TestSupervisor> {
  const { store, logger } = options;
  const tls = loadTls({ dataDir: options.dataDir });
  const hasher = new PasswordHasher({ cost: 4 });
  const verifier = new CredentialVerifier(store.accounts, hasher, { ttlMs: 60_000 });
  const throttle = new LoginThrottle({
    perAccount: options.loginFailuresPerAccount ?? 10, perAddress: options.loginFailuresPerAddress ?? 10_000, windowMs: 60_000,
  });
  const login = new PasswordLogin({ verifier, throttle, logger });
  const tailer = new ChangeFeedTailer(store.changes, logger, { pollMs: options.changeFeedPollMs ?? 50 });
  const https = createServer({ cert: tls.cert, key: tls.key });
  const io = new IoServer(https, { serveClient: false });
  const services = createServices({ store, hasher, limits: { packageLimit: 1024 * 1024 } });
  const api = attachClientApi(io, { store, services, login, tailer, logger });
  tailer.start(await tailer.head());
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const { port } = https.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `https://127.0.0.1:${port}`, port, io, api, tailer,
    close() {
      closing ??= (async () => {
        await api.close();
        await tailer.close();
        await io.close();
      })();
      return closing;
    },
  };
}
