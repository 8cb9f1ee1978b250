/**
 * A lifecycle is a state machine written as plain data (state → input → {to, effect}) and run by
 * machina: the engine asks it where an input leads before it writes anything, so an illegal move
 * throws `IllegalStateError` and nothing reaches the store.
 *
 * The machine itself keeps no state between calls: the store is the only source of truth for a run,
 * so each question is asked of a fresh machina client seated in the state the store holds. The one
 * place a transition becomes real is `Engine.applyStep` (it writes, then logs {from, to} and
 * announces it).
 */
import machina, { type BehavioralFsm } from 'machina';
import { IllegalStateError } from '../../shared/domain/errors.js';

/** What an input leads to: the next state and the side effect the engine performs once it is stored. */
export interface Rule<S extends string, E extends string> {
  to: S;
  effect: E;
}

/** A lifecycle as data: for each state, the inputs it accepts. A state without inputs is final. */
export interface LifecycleDefinition<S extends string, I extends string, E extends string> {
  /** Names the machine in logs and errors (`run`, `instance`). */
  name: string;
  initial: S;
  states: Record<S, Partial<Record<I, Rule<S, E>>>>;
}

/** A planned move, not yet stored. */
export interface Move<S extends string, I extends string, E extends string> {
  from: S;
  input: I;
  to: S;
  effect: E;
}

interface Probe {
  /** The state the client starts in (read by `initClient`). */
  seat: string;
  effect?: string;
  unhandled?: boolean;
}

export class Lifecycle<S extends string, I extends string, E extends string> {
  private readonly fsm: BehavioralFsm<Probe>;
  /** The machine is fixed data, so each (state, input) answer is asked of machina once. */
  private readonly answers = new Map<string, Move<S, I, E> | IllegalStateError>();

  constructor(readonly definition: LifecycleDefinition<S, I, E>) {
    const states: Record<string, Record<string, (this: BehavioralFsm<Probe>, client: Probe) => void>> = {};
    for (const [state, inputs] of Object.entries(definition.states) as Array<[S, Partial<Record<I, Rule<S, E>>>]>) {
      states[state] = {};
      for (const [input, rule] of Object.entries(inputs) as Array<[I, Rule<S, E>]>) {
        states[state]![input] = function handler(client) {
          client.effect = rule.effect;
          this.transition(client, rule.to);
        };
      }
    }
    this.fsm = new machina.BehavioralFsm<Probe>({
      namespace: `workty.${definition.name}`,
      initialState: definition.initial,
      states,
      // A client is seated where the store says it is, not in the initial state.
      initClient(this: BehavioralFsm<Probe>, client: Probe) {
        this.transition(client, client.seat);
      },
      // machina's catch-all: an input the current state does not list.
      '*'(client: Probe) {
        client.unhandled = true;
      },
    });
  }

  get name(): string {
    return this.definition.name;
  }

  /** Where `input` leads from `from`; IllegalStateError when the machine does not allow it. */
  plan(from: S, input: I): Move<S, I, E> {
    const key = `${from}\u0000${input}`;
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = this.ask(from, input);
      this.answers.set(key, answer);
    }
    if (answer instanceof IllegalStateError) throw new IllegalStateError(this.name, from, input);
    return { ...answer };
  }

  private ask(from: S, input: I): Move<S, I, E> | IllegalStateError {
    if (!(from in this.definition.states)) return new IllegalStateError(this.name, from, input);
    const probe: Probe = { seat: from };
    this.fsm.handle(probe, input);
    const to = this.fsm.compositeState(probe) as S;
    if (probe.unhandled === true || probe.effect === undefined) return new IllegalStateError(this.name, from, input);
    return { from, input, to, effect: probe.effect as E };
  }

  /** True when `input` is allowed in `from`. */
  allows(from: S, input: I): boolean {
    return this.definition.states[from]?.[input] !== undefined;
  }

  /** True when no input leaves `state`. */
  isFinal(state: S): boolean {
    return Object.keys(this.definition.states[state] ?? {}).length === 0;
  }
}
