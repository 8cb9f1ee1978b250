import { expect } from 'chai';
import { IllegalStateError } from '../../../shared/domain/errors.js';
import { INSTANCE_STATES, RUN_STATUSES } from '../../../shared/domain/states.js';
import {
  INSTANCE_INPUTS, RUN_INPUTS, createLifecycles, type InstanceEffect, type InstanceInput, type InstanceState, type RunEffect,
  type RunInput, type RunStatus,
} from '../../../supervisor/engine/machines.js';

const { instance, run } = createLifecycles();

// start state, input, expected state, expected side effect. Every pair not listed is illegal.
const INSTANCE_TABLE: Array<[InstanceState, InstanceInput, InstanceState, InstanceEffect]> = [
  ['initial', 'ready', 'waiting', 'queue'],
  ['initial', 'stop', 'stopped', 'none'],
  ['waiting', 'dispatch', 'running', 'deliver'],
  ['waiting', 'fail', 'failed', 'none'],
  ['waiting', 'stop', 'stopped', 'none'],
  ['running', 'complete', 'completed', 'none'],
  ['running', 'retry', 'waiting', 'queue'],
  ['running', 'requeue', 'waiting', 'queue'],
  ['running', 'fail', 'failed', 'none'],
  ['running', 'stop', 'stopped', 'none'],
];

const RUN_TABLE: Array<[RunStatus, RunInput, RunStatus, RunEffect]> = [
  ['queued', 'start', 'running', 'advance'],
  ['queued', 'stop', 'stopped', 'close'],
  ['running', 'pause', 'paused', 'hold'],
  ['running', 'complete', 'completed', 'close'],
  ['running', 'fail', 'failed', 'close'],
  ['running', 'stop', 'stopped', 'close'],
  ['paused', 'resume', 'running', 'advance'],
  ['paused', 'complete', 'completed', 'close'],
  ['paused', 'fail', 'failed', 'close'],
  ['paused', 'stop', 'stopped', 'close'],
];

describe('engine lifecycles (machina)', () => {
  describe('workty instance', () => {
    for (const [from, input, to, effect] of INSTANCE_TABLE) {
      it(`${from} --${input}--> ${to} (${effect})`, () => {
        expect(instance.plan(from, input)).to.deep.equal({ from, input, to, effect });
      });
    }

    it('refuses every other input with IllegalStateError, naming the machine, state and input', () => {
      const allowed = new Set(INSTANCE_TABLE.map(([from, input]) => `${from}/${input}`));
      let refused = 0;
      for (const from of INSTANCE_STATES) {
        for (const input of INSTANCE_INPUTS) {
          if (allowed.has(`${from}/${input}`)) continue;
          expect(() => instance.plan(from, input), `${from}/${input}`).to.throw(IllegalStateError, `instance: input "${input}" is not allowed in state "${from}"`);
          refused += 1;
        }
      }
      expect(refused).to.equal(INSTANCE_STATES.length * INSTANCE_INPUTS.length - INSTANCE_TABLE.length);
    });

    it('has exactly completed, failed and stopped as final states', () => {
      expect(INSTANCE_STATES.filter((s) => instance.isFinal(s))).to.deep.equal(['completed', 'failed', 'stopped']);
    });
  });

  describe('workflow run', () => {
    for (const [from, input, to, effect] of RUN_TABLE) {
      it(`${from} --${input}--> ${to} (${effect})`, () => {
        expect(run.plan(from, input)).to.deep.equal({ from, input, to, effect });
      });
    }

    it('refuses every other input with IllegalStateError', () => {
      const allowed = new Set(RUN_TABLE.map(([from, input]) => `${from}/${input}`));
      for (const from of RUN_STATUSES) {
        for (const input of RUN_INPUTS) {
          if (allowed.has(`${from}/${input}`)) continue;
          expect(() => run.plan(from, input), `${from}/${input}`).to.throw(IllegalStateError);
        }
      }
    });

    it('never resumes by itself: only `resume` leaves paused for running', () => {
      const toRunning = RUN_INPUTS.filter((input) => run.allows('paused', input) && run.plan('paused', input).to === 'running');
      expect(toRunning).to.deep.equal(['resume']);
    });

    it('refuses a state it does not know', () => {
      expect(() => run.plan('exploded' as RunStatus, 'start')).to.throw(IllegalStateError);
    });
  });
});
