/**
 * Whom the worker trusts as its supervisor, for the socket and for package downloads alike:
 * - a CA (or the supervisor's own self-signed certificate) from a PEM file: normal verification,
 *   host name included;
 * - or a pinned SHA-256 fingerprint of the supervisor's certificate: the chain is not verified, the
 *   certificate must be exactly that one. The connection is handed to its request only once the
 *   fingerprint matched, so nothing (not even a request's Authorization header) reaches an impostor;
 * - neither: the system's CAs.
 */
import { readFileSync } from 'node:fs';
import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect, type ConnectionOptions } from 'node:tls';

export interface TrustOptions {
  /** PEM file of the CA or certificate to trust. */
  caFile?: string | undefined;
  /** SHA-256 fingerprint `AA:BB:…` (colons and case optional). */
  fingerprint?: string | undefined;
}

/** `AA:BB:…` upper case, whatever the input's separators and case. */
export function normaliseFingerprint(value: string): string {
  const hex = value.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  if (hex.length !== 64) throw new Error('a SHA-256 fingerprint has 64 hexadecimal digits');
  return hex.match(/../g)!.join(':');
}

/** Thrown (as the connection's error) when the supervisor shows another certificate than the pinned one. */
export class FingerprintMismatchError extends Error {
  readonly code = 'WORKTY_FINGERPRINT_MISMATCH';
  constructor(actual: string, expected: string) {
    super(`the supervisor's certificate has fingerprint ${actual}, not the pinned ${expected}`);
    this.name = 'FingerprintMismatchError';
  }
}

class PinnedAgent extends Agent {
  constructor(private readonly pin: string, options: AgentOptions) {
    super(options);
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = connect({ ...(options as ConnectionOptions), rejectUnauthorized: false });
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      if (error !== null) socket.destroy();
      callback?.(error, socket);
    };
    socket.once('secureConnect', () => {
      const actual = socket.getPeerCertificate().fingerprint256;
      settle(actual === this.pin ? null : new FingerprintMismatchError(actual, this.pin));
    });
    socket.once('error', (error) => settle(error));
    // Returning nothing makes the agent wait for the callback: no request is written before the check.
    return undefined;
  }
}

/** The HTTPS agent carrying the trust; used for both the socket and package downloads. */
export function trustAgent(options: TrustOptions): Agent {
  const base: AgentOptions = { keepAlive: false };
  if (options.fingerprint !== undefined) return new PinnedAgent(normaliseFingerprint(options.fingerprint), base);
  if (options.caFile !== undefined) return new Agent({ ...base, ca: readFileSync(options.caFile, 'utf8') });
  return new Agent(base);
}
