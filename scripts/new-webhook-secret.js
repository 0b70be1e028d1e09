#!/usr/bin/env node
// Prints a new WEBHOOK_SECRET in the Standard Webhooks form, whsec_ and the base64 of 32 random bytes
// (the specification asks for 24 to 64). mailroute and the receiver are given the same value. Only the
// secret goes to stdout, so that `WEBHOOK_SECRET=$(npm run -s webhook:secret)` works.
'use strict';
const { randomBytes } = require('node:crypto');

console.log(`whsec_${randomBytes(32).toString('base64')}`);
