/**
 * What the engine knows of every device, connected or not: enabled, labels, and the runtimes it
 * offered in its last hello. It answers one question: could any enabled board ever run this
 * instance? If none could, the instance fails at once with the reason instead of waiting forever
 * (a board that never connected has offered nothing yet, so it does not count).
 *
 * Kept current from the store's change feed and from hellos.
 */
import type { Device, DeviceFacts, RunInstance } from '../../shared/domain/model.js';
import { MAX_PAGE_SIZE } from '../../shared/domain/query.js';
import type { Store } from '../../shared/store/port.js';

interface DeviceEntry {
  name: string;
  disabled: boolean;
  labels: string[];
  /** Null until the board has said hello at least once. */
  runtimes: string[] | null;
}

export class DeviceCatalog {
  private readonly devices = new Map<string, DeviceEntry>();

  constructor(private readonly store: Store, private readonly maxPackageBytes: number) {}

  async load(): Promise<void> {
    this.devices.clear();
    for (let pageNum = 1; ; pageNum += 1) {
      const page = await this.store.devices.list({ pageNum, perPage: MAX_PAGE_SIZE });
      for (const device of page.items) this.put(device);
      if (page.items.length < MAX_PAGE_SIZE) break;
    }
  }

  /** Re-reads one device after a change; returns it (null when it was deleted). */
  async refresh(id: string): Promise<Device | null> {
    const device = await this.store.devices.get(id);
    if (device === null) this.devices.delete(id);
    else this.put(device);
    return device;
  }

  put(device: Device): void {
    this.devices.set(device._id, {
      name: device.name,
      disabled: device.disabled,
      labels: device.labels,
      runtimes: device.facts?.runtimes ?? null,
    });
  }

  /** A fresh hello's facts (also stored by the presence recorder). */
  greeted(deviceId: string, facts: DeviceFacts): void {
    const entry = this.devices.get(deviceId);
    if (entry !== undefined) entry.runtimes = facts.runtimes;
  }

  /** Why no enabled board could ever run `instance`, or null when one could. */
  whyUndispatchable(instance: RunInstance): string | null {
    if (instance.package !== null && instance.package.size > this.maxPackageBytes) {
      return `its package is ${instance.package.size} bytes, over the limit of ${this.maxPackageBytes} bytes`;
    }
    const runtime = instance.runtime;
    const target = instance.target;
    if (target?.deviceId !== undefined) {
      const device = this.devices.get(target.deviceId);
      if (device === undefined) return `its target device ${target.deviceId} does not exist`;
      if (device.disabled) return `its target device "${device.name}" is disabled`;
      if (device.runtimes !== null && !device.runtimes.includes(runtime)) {
        return `its target device "${device.name}" does not offer runtime "${runtime}" (it offers ${list(device.runtimes)})`;
      }
      return null;
    }
    const labels = target?.labels ?? [];
    const candidates = [...this.devices.values()].filter((d) => !d.disabled && labels.every((l) => d.labels.includes(l)));
    if (candidates.length === 0) {
      return labels.length === 0 ? 'there is no enabled device' : `no enabled device carries the labels ${list(labels)}`;
    }
    if (!candidates.some((d) => d.runtimes?.includes(runtime) === true)) {
      const where = labels.length === 0 ? 'enabled device' : `enabled device with the labels ${list(labels)}`;
      return `unknown runtime "${runtime}": no ${where} offers it`;
    }
    return null;
  }
}

function list(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : values.map((v) => `"${v}"`).join(', ');
}
