import { expect } from 'chai';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { roleScript, runToEnd } from '../../lib/process.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';

describe('npm start with bad configuration', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir('badconfig');
  });
  afterEach(() => tmp.remove());

  it('stops at once with the key and what is allowed, creating nothing', async () => {
    const dataDir = join(tmp.path, 'data');
    const result = await runToEnd(roleScript('launcher'), [], {
      WORKTY_DATA_DIR: dataDir,
      WORKTY_REST_PORT: 'abc',
      WORKTY_LOG_LEVEL: 'chatty',
    });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('Invalid configuration');
    expect(result.stderr).to.contain('WORKTY_REST_PORT = "abc": expected an integer from 1 to 65535');
    expect(result.stderr).to.contain('WORKTY_LOG_LEVEL = "chatty": expected one of fatal, error, warn, info, debug, trace, silent');
    expect(existsSync(dataDir)).to.equal(false);
  });

  it('reports a broken --config file the same way', async () => {
    const file = join(tmp.path, 'workty.json');
    writeFileSync(file, JSON.stringify({ supervisorPort: 70000, nonsense: true }));
    const result = await runToEnd(roleScript('launcher'), ['--config', file], { WORKTY_DATA_DIR: join(tmp.path, 'data') });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('unknown setting "nonsense"');
    expect(result.stderr).to.contain('WORKTY_SUPERVISOR_PORT = 70000');
    expect(readdirSync(tmp.path)).to.deep.equal(['workty.json']);
  });

  it('never echoes a rejected secret', async () => {
    const result = await runToEnd(roleScript('launcher'), [], {
      WORKTY_DATA_DIR: join(tmp.path, 'data'),
      WORKTY_ADMIN_PASSWORD: 'tooShort!',
    });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('WORKTY_ADMIN_PASSWORD = (hidden)');
    expect(result.stderr).not.to.contain('tooShort!');
  });
});
