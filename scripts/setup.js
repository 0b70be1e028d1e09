#!/usr/bin/env node
// Installs what `npm start` and `npm test` need and are missing: the npm packages, a redis-server
// and PostgreSQL (from the OS package manager) when mailroute has to start its own, and for the tests a
// Chromium for the browser tests. Plain Node, no dependencies, because it runs before any package is installed.
'use strict';
const { execSync, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { accessSync, constants, existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
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
 * or the variable (a URL, or a binary's path) that makes installing it unneeded.
 */
function installFromOsPackages({ what, existing, apt, brew, variable }) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (hasCommand('apt-get') && (isRoot || hasCommand('sudo'))) {
    const sudo = isRoot ? '' : 'sudo ';
    console.log(`mailroute setup: installing ${what} with ${sudo}apt-get...`);
    try {
      execSync(`${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${apt}`, {
        stdio: 'inherit',
      });
    } catch {
      fail(`installing ${apt} with apt-get failed; install it yourself or set ${variable}.`);
    }
    return;
  }
  if (hasCommand('brew')) {
    fail(`${what} is not installed. Run \`brew install ${brew}\`, or set ${variable} to an existing ${existing}.`);
  }
  fail(
    `${what} is not installed and this script cannot install it here. Install the ${apt} package with your ` +
      `OS package manager, or set ${variable} to an existing ${existing} (tests always need ${what}).`,
  );
}

function installRedis() {
  if (hasCommand('redis-server')) return;
  installFromOsPackages({ what: 'redis-server', existing: 'Redis', apt: 'redis-server', brew: 'redis', variable: 'REDIS_URL' });
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
  installFromOsPackages({ what: 'PostgreSQL', existing: 'PostgreSQL', apt: 'postgresql', brew: 'postgresql', variable: 'DATABASE_URL' });
  if (!hasPostgres()) fail('PostgreSQL was installed, yet no initdb and postgres binaries are found; install them yourself or set DATABASE_URL.');
}

function isExecutableFile(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The places test/support/browser.ts looks for Chromium, in its order (PATH as `command -v`). */
function hasChromium(env) {
  if (env.CHROMIUM_PATH) {
    if (isExecutableFile(env.CHROMIUM_PATH)) return true;
    fail(`CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which is not an executable file; point it at a Chromium or Chrome binary, or unset it.`);
  }
  return hasCommand('chromium') || hasCommand('chromium-browser') || isExecutableFile('/usr/bin/chromium');
}

function installChromium(env) {
  if (hasChromium(env)) return;
  installFromOsPackages({
    what: 'Chromium',
    existing: 'Chromium or Chrome binary',
    apt: 'chromium',
    brew: '--cask chromium',
    variable: 'CHROMIUM_PATH',
  });
  if (!hasChromium(env)) fail('the chromium package was installed, yet no chromium binary is found; set CHROMIUM_PATH to a Chromium or Chrome binary.');
}

/**
 * What to install: the test suite starts throwaway Redis and PostgreSQL servers, so it always
 * needs both; `npm start` needs each only for its embedded default, when no URL points elsewhere.
 */
function serversNeeded(forTests, env) {
  return {
    redis: forTests || !env.REDIS_URL,
    postgres: forTests || !(env.DATABASE_URL || env.DATABASE_URL_FILE),
    // Only the browser tests drive a browser: the service never does.
    chromium: forTests,
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
  if (needed.chromium) installChromium(process.env);
}

// Run as a script; required, it only lends serversNeeded to a check.
if (require.main === module) main();
else module.exports = { serversNeeded };
