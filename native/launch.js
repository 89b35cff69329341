// launch.js starts the action's prebuilt Go binary for the runner's
// platform: the native entry (action.yml, runs.using node24) runs main.js
// and post.js, which call launch('main') and launch('post').
//
// - The binary is bin/<os>-<arch>/deployment-action (.exe on Windows), with
//   <os> from RUNNER_OS (Linux, macOS, Windows → linux, darwin, windows) and
//   <arch> from RUNNER_ARCH (X64, ARM64 → x64, arm64); outside a runner (no
//   RUNNER_OS) from process.platform and process.arch.
// - Before its first start in a job, its SHA-256 must equal its line in
//   bin/SHA256SUMS (sha256sum's format). One read of the file: 15-35 ms for
//   the 8.7 MB linux-x64 binary on node 20. The main stage then records in
//   GITHUB_STATE what it verified (the checksum, the file's size, mtime and
//   inode); the post stage, handed that as STATE_native_verified, hashes
//   the file again only when it is no longer the file main verified.
// - It runs with stdio inherited and this process's environment plus
//   DEPLOYMENT_ACTION_STAGE=main or post, which tells it the stage.
// - SIGINT and SIGTERM are passed on to it: the runner sends them to this
//   process only (actions/runner ProcessInvoker.cs), never to the group.
//   On Windows nothing is passed on: the runner's Ctrl+C and Ctrl+Break
//   reach every process on the console, the binary included, and node can
//   only kill a child there, not signal it.
// - This process exits with the binary's exit code, or 128 + the signal's
//   number when the binary died of a signal.
//
// bin/ is only in release commits: on main this entry builds nothing, and
// every failure before the binary starts (an unsupported platform, a
// missing binary or SHA256SUMS, a checksum mismatch) is one ::error:: line
// saying what happened and what to do, and exit code 1. No dependencies;
// CommonJS for node 18 and later.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const USE_INSTEAD = 'use a release tag such as deploy-lifecycle/deployment-action/native@v1, ' +
  'or the container entry deploy-lifecycle/deployment-action@v1';
const OSES = { Linux: 'linux', macOS: 'darwin', Windows: 'windows' };
const ARCHES = { X64: 'x64', ARM64: 'arm64' };
const PLATFORMS = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
const NODE_ARCHES = { x64: 'x64', arm64: 'arm64' };

class LaunchError extends Error {}

// fail prints one workflow command (data escaped as the runner reads it)
// and exits 1.
function fail(message) {
  const data = String(message).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  process.stdout.write(`::error::${data}\n`);
  process.exit(1);
}

// platform is <os>-<arch> and the binary's name, for env.
function platform(env) {
  let o, a, seen;
  // own keys only: RUNNER_OS=constructor must not find Object's
  const own = (table, key) => (Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined);
  if (env.RUNNER_OS) {
    o = own(OSES, env.RUNNER_OS);
    a = own(ARCHES, env.RUNNER_ARCH);
    seen = `RUNNER_OS=${env.RUNNER_OS} RUNNER_ARCH=${env.RUNNER_ARCH || ''}`;
  } else {
    o = own(PLATFORMS, process.platform);
    a = own(NODE_ARCHES, process.arch);
    seen = `platform ${process.platform} ${process.arch}`;
  }
  if (!o || !a) {
    throw new LaunchError(`deployment-action has no native binary for ${seen} (it has Linux, macOS and Windows on X64 and ARM64); ` +
      'run it on one of those, or use the container entry deploy-lifecycle/deployment-action@v1 on a Linux runner');
  }
  return `${o}-${a}/deployment-action${o === 'windows' ? '.exe' : ''}`;
}

// verify checks bin/<rel> against its line in bin/SHA256SUMS and returns
// the binary's path and what was verified (stamp). verified is the stamp
// an earlier stage of the job verified: when the file is still that one,
// it is not hashed again.
function verify(dir, rel, verified) {
  const bin = path.join(dir, 'bin');
  const file = path.join(bin, ...rel.split('/'));
  let sums;
  try {
    sums = fs.readFileSync(path.join(bin, 'SHA256SUMS'), 'utf8');
  } catch (e) {
    throw new LaunchError(`deployment-action's native entry has no bin/SHA256SUMS (${e.code || e.message}): ` +
      `prebuilt binaries are only in release commits, and ${dir} is not one; ${USE_INSTEAD}`);
  }
  let want;
  for (const line of sums.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+?)\r?$/.exec(line);
    if (m && m[2] === rel) want = m[1];
  }
  if (!want) {
    throw new LaunchError(`deployment-action's bin/SHA256SUMS lists no checksum for ${rel}; ${USE_INSTEAD}`);
  }
  let st;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new LaunchError(`deployment-action's native entry has no bin/${rel} (${e.code || e.message}): ` +
      `prebuilt binaries are only in release commits; ${USE_INSTEAD}`);
  }
  const stamp = `${want}:${st.size}:${st.mtimeMs}:${st.ino}`;
  if (verified === stamp) return { file, stamp };
  let data;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    throw new LaunchError(`deployment-action's native entry has no bin/${rel} (${e.code || e.message}): ` +
      `prebuilt binaries are only in release commits; ${USE_INSTEAD}`);
  }
  const got = require('node:crypto').createHash('sha256').update(data).digest('hex');
  if (got !== want) {
    throw new LaunchError(`checksum mismatch: bin/${rel} has SHA-256 ${got}, bin/SHA256SUMS says ${want}, so it was not started; ` +
      `do not use this copy: ${USE_INSTEAD}, and report the mismatch (SECURITY.md)`);
  }
  return { file, stamp };
}

// launch runs stage ("main" or "post") of the action.
function launch(stage) {
  try {
    const { file, stamp } = verify(__dirname, platform(process.env), stage === 'post' ? process.env.STATE_native_verified : undefined);
    if (stage === 'main' && process.env.GITHUB_STATE) {
      // For the post stage: what was verified (see verify).
      fs.appendFileSync(process.env.GITHUB_STATE, `native_verified=${stamp}\n`);
    }
    if (process.platform !== 'win32') {
      try {
        fs.accessSync(file, fs.constants.X_OK);
      } catch (e) {
        fs.chmodSync(file, 0o755); // an archive that lost the mode bits
      }
    }
    const child = spawn(file, [], {
      stdio: 'inherit',
      env: { ...process.env, DEPLOYMENT_ACTION_STAGE: stage },
      windowsHide: true,
    });
    if (process.platform !== 'win32') {
      for (const sig of ['SIGINT', 'SIGTERM']) {
        process.on(sig, () => {
          try {
            child.kill(sig);
          } catch (e) {
            // it has exited already
          }
        });
      }
    }
    child.on('error', (e) => fail(`deployment-action's binary did not start: ${e.message}; ${USE_INSTEAD}`));
    child.on('exit', (code, signal) => {
      process.exit(signal ? 128 + (os.constants.signals[signal] || 0) : code);
    });
  } catch (e) {
    if (e instanceof LaunchError) fail(e.message);
    fail(`deployment-action's launcher failed: ${e && e.message}; ${USE_INSTEAD}`);
  }
}

module.exports = { launch, platform, verify };
