/** Settings of the REST API server (`restapi/`). */
import { serverSettings } from './common.js';
import { settings as s } from './schema.js';

export const restapiSettings = {
  ...serverSettings,
  restHost: s.text('WORKTY_REST_HOST', '0.0.0.0', 'Address the REST API listens on'),
  restPort: s.port('WORKTY_REST_PORT', 9999, 'HTTPS port of the REST API (prefix /api/v1)'),
  supervisorUrl: s.requiredUrl('WORKTY_SUPERVISOR_URL', 'https://localhost:3000', ['https'], 'Supervisor base URL, for the health report'),
};
