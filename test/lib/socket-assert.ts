/** Assertions and waits on client socket answers and events. */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';

/** A refused request: `{err: {statusCode, code, ...}, requestId}` and nothing else. */
export function expectAckError(ack: any, statusCode: number, code: number, message?: RegExp): void {
  expect(ack, JSON.stringify(ack)).to.be.an('object');
  expect(ack.err, JSON.stringify(ack)).to.be.an('object');
  expect(ack.err.statusCode, JSON.stringify(ack.err)).to.equal(statusCode);
  expect(ack.err.code, JSON.stringify(ack.err)).to.equal(code);
  expect(ack.err.message).to.be.a('string');
  if (message !== undefined) expect(ack.err.message).to.match(message);
  expect(Object.keys(ack).sort()).to.deep.equal(['err', 'requestId']);
}

/** A successful answer: `err` null, and the result. */
export function expectAckOk(ack: any): void {
  expect(ack, JSON.stringify(ack)).to.be.an('object');
  expect(ack.err, JSON.stringify(ack.err)).to.equal(null);
}

/** Collects every emission of `event` on the socket. */
export function collect<T = any>(socket: Socket | { on: Socket['on'] }, event: string): T[] {
  const seen: T[] = [];
  (socket as Socket).on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Resolves with the first emission of `event` matching `filter`; rejects after `timeoutMs`. */
export function next<T = any>(socket: Socket | { on: Socket['on'] }, event: string, filter: (payload: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  const s = socket as Socket;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}`));
    }, timeoutMs);
    const listener = (payload: T): void => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      s.off(event, listener);
      resolve(payload);
    };
    s.on(event, listener);
  });
}
