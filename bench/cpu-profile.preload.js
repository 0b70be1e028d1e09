/**
 * Loaded into a mailroute process with NODE_OPTIONS="--require <this file>" by bench/worker-profile.ts:
 * records a CPU profile from the moment the file CPU_PROFILE_DIR/start appears until CPU_PROFILE_DIR/stop
 * appears, then writes CPU_PROFILE_DIR/<pid>.cpuprofile (the format Chrome DevTools and `node --cpu-prof`
 * use). Files rather than signals, because the bench starts the process through ServiceProcess, which
 * does not expose its pid; and not `node --cpu-prof`, which writes nothing when Nest's shutdown hook
 * ends the process by re-raising SIGTERM. Plain JavaScript so that the built bundle runs without ts-node.
 */
const { existsSync, writeFileSync } = require('node:fs');
const { Session } = require('node:inspector');
const { join } = require('node:path');

const dir = process.env.CPU_PROFILE_DIR;
const CHECK_MS = 100;
/** Microseconds between samples: V8's default is 1000; finer shows short functions better. */
const SAMPLING_INTERVAL_US = 250;

const session = new Session();
session.connect();

const waitFor = (name, then) => {
  const timer = setInterval(() => {
    if (!existsSync(join(dir, name))) return;
    clearInterval(timer);
    then();
  }, CHECK_MS);
  timer.unref();
};

waitFor('start', () => {
  session.post('Profiler.enable', () =>
    session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US }, () =>
      session.post('Profiler.start', () => waitFor('stop', stop)),
    ),
  );
});

function stop() {
  session.post('Profiler.stop', (error, result) => {
    if (error) throw error;
    writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
}
