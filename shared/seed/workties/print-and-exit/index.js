// 2016 test task #2, re-created for Node: prints its properties and exits.
'use strict';

const properties = JSON.parse(process.argv[2] || process.env.WORKTY_PROPERTIES || '{}');
console.log(`properties: ${JSON.stringify(properties)}`);
