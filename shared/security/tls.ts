/**
 * TLS material for the HTTPS and WSS servers: the configured certificate and key, or a self-signed
 * pair made once on first start under the data directory (key readable by the owner only).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import selfsigned from 'selfsigned';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the certificate, `AA:BB:...`, for workers that pin it. */
  fingerprint256: string;
  /** Where the certificate was read from (workers and clients trust this file). */
  certPath: string;
}

export interface TlsSource {
  dataDir: string;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

export function generatedTlsPaths(dataDir: string): { cert: string; key: string } {
  return { cert: join(dataDir, 'tls', 'cert.pem'), key: join(dataDir, 'tls', 'key.pem') };
}

/** Reads the configured pair, or the generated one; throws if neither exists. */
export function loadTls(source: TlsSource): TlsMaterial {
  const configured = source.tlsCert !== undefined || source.tlsKey !== undefined;
  if (configured && (source.tlsCert === undefined || source.tlsKey === undefined)) {
    throw new Error('WORKTY_TLS_CERT and WORKTY_TLS_KEY must be given together');
  }
  const paths = configured ? { cert: source.tlsCert!, key: source.tlsKey! } : generatedTlsPaths(source.dataDir);
  const cert = readFileSync(paths.cert, 'utf8');
  const key = readFileSync(paths.key, 'utf8');
  return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256, certPath: paths.cert };
}

/**
 * Makes the self-signed pair when no certificate is configured and none was made before; returns
 * true when it made one. The key is written with mode 0600. Both files are written into a private
 * temporary folder renamed into place, so two roles starting at once never pair one's key with the
 * other's certificate: the loser's rename fails and its pair is dropped.
 */
export async function ensureSelfSignedTls(source: TlsSource, extraHostnames: string[] = []): Promise<boolean> {
  if (source.tlsCert !== undefined || source.tlsKey !== undefined) return false;
  const paths = generatedTlsPaths(source.dataDir);
  if (existsSync(paths.cert) && existsSync(paths.key)) return false;
  mkdirSync(source.dataDir, { recursive: true, mode: 0o700 });
  const names = [...new Set(['localhost', hostname(), ...extraHostnames])];
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 5);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'workty' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.map((value) => ({ type: 2 as const, value })), { type: 7 as const, ip: '127.0.0.1' }, { type: 7 as const, ip: '::1' }],
      },
    ],
  });
  const staging = mkdtempSync(join(source.dataDir, '.tls-'));
  writeFileSync(join(staging, basename(paths.key)), pems.private, { mode: 0o600 });
  writeFileSync(join(staging, basename(paths.cert)), pems.cert, { mode: 0o644 });
  try {
    renameSync(staging, dirname(paths.cert));
    return true;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(paths.cert) && existsSync(paths.key)) return false;
    throw error;
  }
}
