// 2016 test task #1, re-created for Node: waits `timeout` milliseconds, then prints its properties.
// Properties arrive as JSON in the first argument (and in WORKTY_PROPERTIES).
'use strict';

const properties = JSON.parse(process.argv[2] || process.env.WORKTY_PROPERTIES || '{}');
const timeout = Number(properties.timeout ?? 1000);

if (!Number.isFinite(timeout) || timeout < 0) {
  console.error(`timeout must be a number of milliseconds >= 0, got ${JSON.stringify(properties.timeout)}`);
  process.exit(2);
}

setTimeout(() => {
  console.log(`waited ${timeout} ms; properties: ${JSON.stringify(properties)}`);
}, timeout);
