/** The Workty dashboard: a Preact app on the supervisor's client socket.io API (docs/socket-api.md). */
import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

render(<App />, document.getElementById('app')!);
