/**
 * Types for machina 4 (the package ships none). Only what Workty uses is declared; see
 * node_modules/machina/lib/machina.js for the behaviour.
 */
declare module 'machina' {
  /** A state: handlers by input name (a function, or a state name to go to), plus lifecycle hooks. */
  export interface StateDefinition<Self, Args extends unknown[] = unknown[]> {
    _onEnter?: (this: Self, ...args: Args) => void;
    _onExit?: (this: Self, ...args: Args) => void;
    [input: string]: ((this: Self, ...args: any[]) => unknown) | string | undefined;
  }

  export interface TransitionEvent {
    fromState: string | undefined;
    toState: string;
    action: string;
    namespace: string;
  }

  export interface Subscription {
    eventName: string;
    off(): void;
  }

  export interface FsmOptions<Self> {
    namespace?: string;
    initialState: string;
    states: Record<string, StateDefinition<Self>>;
    initialize?: (this: Self, ...args: unknown[]) => void;
    [member: string]: unknown;
  }

  /** One machine, one state (the classic machina FSM). */
  export class Fsm {
    constructor(options: FsmOptions<Fsm>);
    static extend<T extends object>(definition: FsmOptions<Fsm> & T): new (options?: Partial<FsmOptions<Fsm>>) => Fsm & T;
    readonly namespace: string;
    readonly state: string;
    readonly priorState: string | undefined;
    readonly initialState: string;
    readonly states: Record<string, StateDefinition<Fsm>>;
    handle(input: string, ...args: unknown[]): unknown;
    transition(state: string): void;
    deferUntilTransition(state?: string | string[]): void;
    deferAndTransition(state: string): void;
    clearQueue(state?: string): void;
    compositeState(): string;
    on(event: 'transition' | 'transitioned', callback: (event: TransitionEvent) => void): Subscription;
    on(event: 'nohandler', callback: (event: { inputType: string; args: unknown[]; namespace: string }) => void): Subscription;
    on(event: 'invalidstate', callback: (event: { state: string; attemptedState: string; namespace: string }) => void): Subscription;
    on(event: string, callback: (data: any) => void): Subscription;
    off(event?: string, callback?: (...args: any[]) => void): void;
    emit(event: string, data?: unknown): void;
  }

  /** One behaviour for many clients; each client object carries its own state. */
  export class BehavioralFsm<Client extends object = object> {
    constructor(options: FsmOptions<BehavioralFsm<Client>>);
    static extend<T extends object>(definition: FsmOptions<BehavioralFsm<object>> & T): new () => BehavioralFsm<object> & T;
    readonly namespace: string;
    readonly initialState: string;
    readonly states: Record<string, StateDefinition<BehavioralFsm<Client>>>;
    handle(client: Client, input: string, ...args: unknown[]): unknown;
    transition(client: Client, state: string, ...args: unknown[]): void;
    deferUntilTransition(client: Client, state?: string | string[]): void;
    clearQueue(client: Client, state?: string): void;
    compositeState(client: Client): string;
    on(event: 'transition' | 'transitioned', callback: (event: TransitionEvent & { client: Client }) => void): Subscription;
    on(event: 'nohandler', callback: (event: { inputType: string; args: unknown[]; client: Client; namespace: string }) => void): Subscription;
    on(event: string, callback: (data: any) => void): Subscription;
    off(event?: string, callback?: (...args: any[]) => void): void;
    emit(event: string, data?: unknown): void;
  }

  const machina: {
    Fsm: typeof Fsm;
    BehavioralFsm: typeof BehavioralFsm;
  };
  export default machina;
}
