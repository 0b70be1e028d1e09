#!/usr/bin/env node
// Installs what `npm start` and `npm test` need and are missing: the npm packages, and a redis-server
// (from the OS package manager) when mailroute has to start its own Redis. Plain Node, no dependencies,
// because it runs before any package is installed.
'use strict';
const { execSync, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'node_modules', '.mailroute-install-stamp');

function fail(message) {
  console.error(`\nmailroute setup: ${message}\n`);
  process.exit(1);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Node.js >= 20.19 is required; this is ${process.versions.node}. Install a current Node.js LTS.`);
  }
}

function installPackages() {
  const lock = join(root, 'package-lock.json');
  const wanted = createHash('sha256')
    .update(readFileSync(join(root, 'package.json')))
    .update(existsSync(lock) ? readFileSync(lock) : '')
    .digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  console.log('mailroute setup: installing npm packages...');
  // `npm install` rather than `npm ci`: npm leaves other platforms' optional packages out of the lock
  // file, which `npm ci` then refuses; `npm install` still installs the locked versions.
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail('`npm install` failed; see the output above.');
  writeFileSync(stamp, wanted);
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function installRedis() {
  if (hasCommand('redis-server')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (hasCommand('apt-get') && (isRoot || hasCommand('sudo'))) {
    const sudo = isRoot ? '' : 'sudo ';
    console.log(`mailroute setup: installing redis-server with ${sudo}apt-get...`);
    try {
      execSync(`${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server`, {
        stdio: 'inherit',
      });
    } catch {
      fail('installing redis-server with apt-get failed; install it yourself or set REDIS_URL.');
    }
    return;
  }
  if (hasCommand('brew')) {
    fail('redis-server is not installed. Run `brew install redis`, or set REDIS_URL to an existing Redis.');
  }
  fail(
    'redis-server is not installed and this script cannot install it here. Install the redis-server ' +
      'package with your OS package manager, or set REDIS_URL to an existing Redis (tests always need redis-server).',
  );
}

checkNode();
installPackages();
// The test suite starts throwaway Redis servers, so it always needs the binary; `npm start` needs it
// only for the embedded default.
const forTests = process.argv.includes('--tests');
if (forTests || !process.env.REDIS_URL) installRedis();
