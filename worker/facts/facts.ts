/**
 * What the board tells the supervisor about itself in `hello`: hardware, OS, the runtimes it offers
 * and how many attempts it runs at once. Gathered once at start; the temperature is read again at
 * each hello.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { arch, availableParallelism, hostname, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import type { DeviceFacts } from '../../shared/domain/model.js';
import { PROTOCOL_VERSION } from '../../shared/protocol/worker.js';
import { probeRuntimes, type RuntimeCommand } from './runtimes.js';

export interface FactsOptions {
  agentVersion: string;
  /** Configured slots; undefined = one per core. */
  slots: number | undefined;
  /** PATH to probe runtimes on. */
  path: string | undefined;
  /** Where thermal zones live (tests point it elsewhere). @default /sys/class/thermal */
  thermalDir?: string;
  /** Where the OS describes itself. @default /etc/os-release */
  osReleaseFile?: string;
}

export class BoardFacts {
  private constructor(private readonly base: Omit<DeviceFacts, 'temperatureC'>, readonly runtimes: ReadonlyMap<string, RuntimeCommand>, private readonly thermalDir: string) {}

  static async gather(options: FactsOptions): Promise<BoardFacts> {
    const runtimes = await probeRuntimes(options.path);
    const cpus = availableParallelism();
    const base: Omit<DeviceFacts, 'temperatureC'> = {
      arch: arch(),
      cpus,
      memoryBytes: totalmem(),
      os: osName(options.osReleaseFile ?? '/etc/os-release'),
      osRelease: release(),
      hostname: hostname(),
      runtimes: runtimes.map((r) => r.name),
      runtimeVersions: Object.fromEntries(runtimes.map((r) => [r.name, r.version ?? 'unknown'])),
      agentVersion: options.agentVersion,
      protocolVersion: PROTOCOL_VERSION,
      slots: options.slots ?? cpus,
    };
    return new BoardFacts(base, new Map(runtimes.map((r) => [r.name, r])), options.thermalDir ?? '/sys/class/thermal');
  }

  get slots(): number {
    return this.base.slots;
  }

  /** The facts as of now (the temperature is read afresh). */
  current(): DeviceFacts {
    return { ...this.base, temperatureC: readTemperature(this.thermalDir) };
  }
}

/** `PRETTY_NAME` of os-release (e.g. "Debian GNU/Linux 12 (bookworm)"), else the kernel's name. */
export function osName(file: string): string {
  try {
    const match = /^PRETTY_NAME=(.*)$/m.exec(readFileSync(file, 'utf8'));
    if (match?.[1] !== undefined) return match[1].replace(/^["']|["']$/g, '');
  } catch {
    // No os-release (not Linux, or a minimal image).
  }
  return osType();
}

/**
 * The CPU temperature in °C from the kernel's thermal zones: the zone whose type names the CPU or
 * SoC, else the first one; null when the board exposes none.
 */
export function readTemperature(thermalDir: string): number | null {
  let zones: string[];
  try {
    zones = readdirSync(thermalDir).filter((name) => name.startsWith('thermal_zone')).sort();
  } catch {
    return null;
  }
  const readings = zones.flatMap((zone) => {
    try {
      const milli = Number(readFileSync(join(thermalDir, zone, 'temp'), 'utf8').trim());
      if (!Number.isFinite(milli)) return [];
      let type = '';
      try {
        type = readFileSync(join(thermalDir, zone, 'type'), 'utf8').trim();
      } catch {
        // A zone without a type is still a reading.
      }
      return [{ type, celsius: Math.round(milli / 100) / 10 }];
    } catch {
      return [];
    }
  });
  const cpu = readings.find((r) => /cpu|soc|x86_pkg/i.test(r.type));
  return (cpu ?? readings[0])?.celsius ?? null;
}
