import { expect } from 'chai';
import { OutputCollector, type OutputStream } from '../../../worker/executor/output.js';

describe('task output collection', () => {
  function collector(maxBytes: number, chunkChars = 16_384) {
    const reports: Array<[OutputStream, string]> = [];
    const output = new OutputCollector({ maxBytes, flushMs: 60_000, chunkChars }, (stream, text) => reports.push([stream, text]));
    return { output, reports };
  }

  it('gathers chunks per stream and reports them together', () => {
    const { output, reports } = collector(1024);
    output.write('stdout', Buffer.from('a'));
    output.write('stderr', Buffer.from('oops'));
    output.write('stdout', Buffer.from('b\n'));
    expect(reports).to.deep.equal([]);
    output.end();
    expect(reports).to.deep.equal([['stdout', 'ab\n'], ['stderr', 'oops']]);
  });

  it('keeps a character split across chunks whole', () => {
    const { output, reports } = collector(1024);
    const euro = Buffer.from('€');
    output.write('stdout', euro.subarray(0, 1));
    output.write('stdout', euro.subarray(1));
    output.end();
    expect(reports).to.deep.equal([['stdout', '€']]);
  });

  it('reports early past its chunk size', () => {
    const { output, reports } = collector(1024, 4);
    output.write('stdout', Buffer.from('12345'));
    expect(reports).to.deep.equal([['stdout', '12345']]);
    output.end();
  });

  it('stops at the byte bound and says so, then how much was dropped', () => {
    const { output, reports } = collector(10);
    output.write('stdout', Buffer.from('0123456'));
    output.write('stderr', Buffer.from('789abc'));
    output.write('stdout', Buffer.from('never seen'));
    const totals = output.end();
    expect(totals).to.deep.equal({ keptBytes: 10, droppedBytes: 13 });
    const text = reports.map(([stream, t]) => `${stream}:${t}`).join('|');
    expect(text).to.equal(
      'stdout:0123456|stderr:789|stderr:[worker] output truncated: the limit of 10 bytes per attempt was reached; the rest is dropped\n'
      + '|stderr:[worker] 13 more bytes of output were dropped\n',
    );
  });
});
