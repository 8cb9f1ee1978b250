/** Settings of the supervisor (`supervisor/`): run engine and socket.io hub. */
import { clientApiSettings, serverSettings } from './common.js';
import { settings as s } from './schema.js';

export const supervisorSettings = {
  ...serverSettings,
  supervisorHost: s.text('WORKTY_SUPERVISOR_HOST', '0.0.0.0', 'Address the supervisor listens on'),
  supervisorPort: s.port('WORKTY_SUPERVISOR_PORT', 3000, 'WSS/HTTPS port of the supervisor (socket.io for workers and clients)'),
  ...clientApiSettings,
};
