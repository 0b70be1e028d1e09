#!/usr/bin/env node
// Prints a new random API key and the API_KEYS entry that admits it. Only the entry (with the key's
// SHA-256) goes into configuration; the key itself is shown once, here, and stored nowhere.
'use strict';
const { createHash, randomBytes } = require('node:crypto');
const { parseArgs } = require('node:util');

const usage = 'usage: npm run key:new -- --name <name> [--scope send|admin] [--from <address|@domain>]...';

function fail(message) {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      name: { type: 'string' },
      scope: { type: 'string', default: 'send' },
      from: { type: 'string', multiple: true },
    },
  }));
} catch (error) {
  fail(error.message);
}
if (!values.name || !/^[A-Za-z0-9_.-]+$/.test(values.name)) fail('--name is required: letters, digits, _ . -');
if (!['send', 'admin'].includes(values.scope)) fail('--scope must be send or admin');
const senders = values.from ?? [];
if (senders.some((sender) => /[\s,:|]/.test(sender))) fail('--from takes one address or @domain per flag');

const key = `mr_${randomBytes(32).toString('base64url')}`;
const digest = createHash('sha256').update(key).digest('hex');
const entry = [values.name, values.scope, digest, ...(senders.length ? [senders.join('|')] : [])].join(':');

console.log(`API key (give it to the client; it is not shown again):\n  ${key}\n`);
console.log(`Add this entry to API_KEYS (comma-separated with any others):\n  ${entry}`);
