#!/usr/bin/env node
// Installs what `npm start` and `npm test` need and are missing: the npm packages, and a redis-server
// and PostgreSQL (from the OS package manager) when mailroute has to start its own. Plain Node, no dependencies,
// because it runs before any package is installed.
'use strict';
const { execSync, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
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
  // `npm ci`: exactly the locked versions, and it refuses a lock file that does not match package.json
  // (npm 10 and 11 both read this lock, other platforms' optional packages included) instead of
  // rewriting it.
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail('`npm ci` failed; see the output above. If package.json changed, run `npm install` and commit package-lock.json.');
  writeFileSync(stamp, wanted);
}

/** `git status` of the package files, or undefined outside a git checkout (an unpacked release). */
function packageFilesStatus() {
  const status = spawnSync('git', ['status', '--porcelain', '--', 'package.json', 'package-lock.json'], { cwd: root, encoding: 'utf8' });
  return status.status === 0 ? status.stdout : undefined;
}

/**
 * The test command's check that installing leaves the package files as they were: on a fresh clone,
 * that `git status` stays clean.
 */
function checkInstallLeftPackageFiles(before) {
  const after = packageFilesStatus();
  if (before !== undefined && after !== before) {
    fail(`installing changed the package files:\n${after}Commit them, or fix what rewrites them.`);
  }
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs `apt` with apt-get (as root, or with sudo) when it can; otherwise fails with what to run,
 * or the URL variable that makes the embedded server unneeded.
 */
function installFromOsPackages({ what, server, apt, brew, urlVariable }) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (hasCommand('apt-get') && (isRoot || hasCommand('sudo'))) {
    const sudo = isRoot ? '' : 'sudo ';
    console.log(`mailroute setup: installing ${what} with ${sudo}apt-get...`);
    try {
      execSync(`${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${apt}`, {
        stdio: 'inherit',
      });
    } catch {
      fail(`installing ${apt} with apt-get failed; install it yourself or set ${urlVariable}.`);
    }
    return;
  }
  if (hasCommand('brew')) {
    fail(`${what} is not installed. Run \`brew install ${brew}\`, or set ${urlVariable} to an existing ${server}.`);
  }
  fail(
    `${what} is not installed and this script cannot install it here. Install the ${apt} package with your ` +
      `OS package manager, or set ${urlVariable} to an existing ${server} (tests always need ${what}).`,
  );
}

function installRedis() {
  if (hasCommand('redis-server')) return;
  installFromOsPackages({ what: 'redis-server', server: 'Redis', apt: 'redis-server', brew: 'redis', urlVariable: 'REDIS_URL' });
}

/** The directories src/database/postgres-server.process.ts looks in, in its order (PATH last, as `command -v`). */
function postgresBinDirs() {
  const dirs = [];
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) dirs.push(pgConfig.stdout.trim());
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((version) => /^\d+(\.\d+)?$/.test(version));
    dirs.push(...versions.sort((a, b) => Number(b) - Number(a)).map((version) => join(debian, version, 'bin')));
  }
  return dirs;
}

function hasPostgres() {
  const inDir = postgresBinDirs().some((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
  return inDir || (hasCommand('initdb') && hasCommand('postgres'));
}

function installPostgres() {
  if (hasPostgres()) return;
  installFromOsPackages({ what: 'PostgreSQL', server: 'PostgreSQL', apt: 'postgresql', brew: 'postgresql', urlVariable: 'DATABASE_URL' });
  if (!hasPostgres()) fail('PostgreSQL was installed, yet no initdb and postgres binaries are found; install them yourself or set DATABASE_URL.');
}

/**
 * The servers to install: the test suite starts throwaway Redis and PostgreSQL servers, so it always
 * needs both; `npm start` needs each only for its embedded default, when no URL points elsewhere.
 */
function serversNeeded(forTests, env) {
  return {
    redis: forTests || !env.REDIS_URL,
    postgres: forTests || !(env.DATABASE_URL || env.DATABASE_URL_FILE),
  };
}

function main() {
  checkNode();
  const forTests = process.argv.includes('--tests');
  const packageFilesBefore = packageFilesStatus();
  installPackages();
  if (forTests) checkInstallLeftPackageFiles(packageFilesBefore);
  const needed = serversNeeded(forTests, process.env);
  if (needed.redis) installRedis();
  if (needed.postgres) installPostgres();
}

// Run as a script; required, it only lends serversNeeded to a check.
if (require.main === module) main();
else module.exports = { serversNeeded };
