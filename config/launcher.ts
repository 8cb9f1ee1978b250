/** Settings of the launcher (`npm start`): everything the roles it starts need, plus its own. */
import { restapiSettings } from './restapi.js';
import { settings as s } from './schema.js';
import { supervisorSettings } from './supervisor.js';

export const launcherSettings = {
  ...restapiSettings,
  ...supervisorSettings,
  localWorker: s.flag('WORKTY_LOCAL_WORKER', true, 'Start a worker on this machine, enrolled as the device "local"'),
};
