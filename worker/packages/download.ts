/**
 * Package bytes over HTTPS from the supervisor: `GET /worker/packages/<sha256>` with the device
 * credential as HTTP Basic (docs/protocol/v1.md "Packages").
 */
import { request, type Agent } from 'node:https';
import type { Readable } from 'node:stream';
import { PACKAGE_PATH } from '../../shared/protocol/worker.js';
import { PackageRejectedError } from './unzip.js';

/** Where package bytes come from (the supervisor; tests may give another). */
export interface PackageSource {
  /** The package's bytes as a stream; rejects with a clear error when it cannot be had. */
  open(hash: string): Promise<Readable>;
}

export interface DownloaderOptions {
  supervisorUrl: string;
  deviceId: string;
  deviceSecret: string;
  agent: Agent;
  /** A download idle this long is abandoned. */
  idleTimeoutMs: number;
}

/** A download failed for a reason a later attempt may not meet (network, supervisor busy). */
export class PackageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PackageUnavailableError';
  }
}

export class PackageDownloader implements PackageSource {
  private readonly authorization: string;

  constructor(private readonly options: DownloaderOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.deviceId}:${options.deviceSecret}`).toString('base64')}`;
  }

  open(hash: string): Promise<Readable> {
    const url = new URL(`${PACKAGE_PATH}/${hash}`, this.options.supervisorUrl);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', agent: this.options.agent, headers: { authorization: this.authorization } }, (res) => {
        const status = res.statusCode ?? 0;
        if (status === 200) {
          resolve(res);
          return;
        }
        res.resume();
        if (status === 404) reject(new PackageRejectedError(`the supervisor has no package ${hash}`));
        else reject(new PackageUnavailableError(`downloading package ${hash} failed: HTTP ${status}`));
      });
      req.setTimeout(this.options.idleTimeoutMs, () => req.destroy(new PackageUnavailableError(`downloading package ${hash} timed out`)));
      req.on('error', (error) => reject(error instanceof PackageUnavailableError ? error : new PackageUnavailableError(`downloading package ${hash} failed: ${error.message}`, { cause: error })));
      req.end();
    });
  }
}
