import { expect } from 'chai';
import type { Device, DeviceFacts, RunInstance } from '../../../shared/domain/model.js';
import type { Store } from '../../../shared/store/port.js';
import { DeviceCatalog } from '../../../supervisor/engine/catalog.js';
import { SessionRegistry } from '../../../supervisor/workers/registry.js';
import { WorkerSession, type WorkerSocket } from '../../../supervisor/workers/session.js';
import { silentLogger } from '../../lib/logger.js';
import { instance } from '../../lib/run-fixtures.js';

let counter = 0;
function device(extra: Partial<Device> = {}): Device {
  counter += 1;
  return {
    _id: counter.toString(16).padStart(24, 'a'), name: `board-${counter}`, desc: '', labels: [], disabled: false, state: 'waiting',
    lastSeen: null, facts: null, credentialIssued: '2024-01-01T00:00:00.000Z', created: '2024-01-01T00:00:00.000Z', updated: '2024-01-01T00:00:00.000Z', ...extra,
  };
}

function facts(runtimes: string[], slots = 1): DeviceFacts {
  return { arch: 'arm64', cpus: 4, memoryBytes: 1, os: 'linux', osRelease: '6', hostname: 'h', temperatureC: null, runtimes, agentVersion: '1', protocolVersion: 1, slots };
}

describe('matching attempts to boards', () => {
  describe('session registry', () => {
    function online(registry: SessionRegistry, extra: Partial<Device>, runtimes: string[], slots: number): WorkerSession {
      const session = new WorkerSession({} as WorkerSocket, device(extra), silentLogger(), (s) => registry.capacityChanged(s));
      registry.add(session);
      session.greet(facts(runtimes, slots));
      return session;
    }
    const key = (n: number) => ({ runId: 'r'.repeat(24), instanceId: 'i'.repeat(24), attempt: n, leaseToken: `t${n}` });

    it('chooses the least loaded eligible board; ties go to the fewer attempts, then the least recently given work', () => {
      const registry = new SessionRegistry();
      const big = online(registry, {}, ['node'], 4);
      const small = online(registry, {}, ['node'], 1);
      big.hold(key(1));
      // big: 1/4 loaded, small: 0/1.
      expect(registry.choose({ runtime: 'node', target: null })).to.equal(small);
      small.hold(key(2));
      expect(registry.choose({ runtime: 'node', target: null }), 'small is full').to.equal(big);
      const other = online(registry, {}, ['node'], 4);
      other.hold(key(3));
      big.lastDispatchAt = 2;
      other.lastDispatchAt = 1;
      expect(registry.choose({ runtime: 'node', target: null }), 'equal load: least recent').to.equal(other);
    });

    it('considers only boards that offer the runtime, match the target, are greeted, not draining and have a slot', () => {
      const registry = new SessionRegistry();
      const py = online(registry, { labels: ['pi4', 'garage'] }, ['python3'], 1);
      expect(registry.choose({ runtime: 'node', target: null })).to.equal(undefined);
      expect(registry.choose({ runtime: 'python3', target: { labels: ['pi4'] } })).to.equal(py);
      expect(registry.choose({ runtime: 'python3', target: { labels: ['pi4', 'kitchen'] } })).to.equal(undefined);
      expect(registry.choose({ runtime: 'python3', target: { deviceId: py.deviceId } })).to.equal(py);
      expect(registry.choose({ runtime: 'python3', target: { deviceId: 'f'.repeat(24) } })).to.equal(undefined);
      py.reserve();
      expect(registry.choose({ runtime: 'python3', target: null }), 'its slot is reserved').to.equal(undefined);
      py.unreserve();
      py.drain();
      expect(registry.choose({ runtime: 'python3', target: null }), 'draining').to.equal(undefined);
      expect(registry.availableCount).to.equal(0);
    });

    it('keeps one session per board: a newer one replaces the older, which then no longer counts', () => {
      const registry = new SessionRegistry();
      const first = online(registry, {}, ['node'], 1);
      const again = new WorkerSession({} as WorkerSocket, { ...device(), _id: first.deviceId }, silentLogger(), (s) => registry.capacityChanged(s));
      expect(registry.add(again)).to.equal(first);
      again.greet(facts(['node']));
      expect(registry.remove(first), 'the old one is not current').to.equal(false);
      expect(registry.get(first.deviceId)).to.equal(again);
      expect(registry.choose({ runtime: 'node', target: null })).to.equal(again);
    });
  });

  describe('device catalog: could any enabled board ever run it?', () => {
    const list = (devices: Device[]) => ({ devices: { list: async () => ({ items: devices, total: null }) } }) as unknown as Store;
    const rows: Array<[string, Device[], Partial<RunInstance>, string | null]> = [
      ['a board offered the runtime', [device({ facts: facts(['node']) })], {}, null],
      ['no board at all', [], {}, 'there is no enabled device'],
      ['no board offered it', [device({ facts: facts(['sh']) })], {}, 'unknown runtime "node": no enabled device offers it'],
      ['only a disabled board offered it', [device({ facts: facts(['node']), disabled: true }), device({ facts: facts(['sh']) })], {}, 'unknown runtime "node": no enabled device offers it'],
      ['a board that never said hello counts for nothing', [device()], {}, 'unknown runtime "node": no enabled device offers it'],
      ['labels nobody carries', [device({ facts: facts(['node']) })], { target: { labels: ['gpu'] } }, 'no enabled device carries the labels "gpu"'],
      ['labels carried, runtime not offered there', [device({ labels: ['gpu'], facts: facts(['sh']) }), device({ facts: facts(['node']) })], { target: { labels: ['gpu'] } },
        'unknown runtime "node": no enabled device with the labels "gpu" offers it'],
      ['a package over the limit', [device({ facts: facts(['node']) })], { package: { hash: 'h', size: 2048 } }, 'its package is 2048 bytes, over the limit of 1024 bytes'],
    ];
    for (const [what, devices, extra, expected] of rows) {
      it(what, async () => {
        const catalog = new DeviceCatalog(list(devices), 1024);
        await catalog.load();
        expect(catalog.whyUndispatchable(instance('waiting', [], extra))).to.equal(expected);
      });
    }

    it('waits for a targeted board that exists but has not said hello yet; refuses a missing or disabled one', async () => {
      const fresh = device({ name: 'fresh' });
      const off = device({ name: 'off', disabled: true, facts: facts(['node']) });
      const shy = device({ name: 'shy', facts: facts(['sh']) });
      const catalog = new DeviceCatalog(list([fresh, off, shy]), 1024);
      await catalog.load();
      expect(catalog.whyUndispatchable(instance('waiting', [], { target: { deviceId: fresh._id } }))).to.equal(null);
      expect(catalog.whyUndispatchable(instance('waiting', [], { target: { deviceId: off._id } }))).to.equal('its target device "off" is disabled');
      expect(catalog.whyUndispatchable(instance('waiting', [], { target: { deviceId: shy._id } }))).to.equal('its target device "shy" does not offer runtime "node" (it offers "sh")');
      expect(catalog.whyUndispatchable(instance('waiting', [], { target: { deviceId: 'f'.repeat(24) } }))).to.equal(`its target device ${'f'.repeat(24)} does not exist`);
      catalog.greeted(fresh._id, facts(['node']));
      expect(catalog.whyUndispatchable(instance('waiting', []))).to.equal(null);
    });
  });
});
