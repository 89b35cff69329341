// launch.js starts the action's prebuilt Go binary for the runner's
// platform: the native entry (action.yml, runs.using node24) runs main.js
// and post.js, which call launch('main') and launch('post').
//
// - RELEASE below is written by the release program (internal/release):
//   the version, where the release's assets are, and for each platform the
//   SHA-256 and size of the binary and of its asset (brotli-compressed).
//   On main it is null and this entry builds nothing: it says to use a
//   release tag. The sums are this file's own: nothing fetched is trusted.
// - The platform is <os>-<arch> from RUNNER_OS (Linux, macOS, Windows →
//   linux, darwin, windows) and RUNNER_ARCH (X64, ARM64 → x64, arm64);
//   outside a runner (no RUNNER_OS) from process.platform and process.arch.
// - Where the binary comes from, first found:
//   1. bin/<os>-<arch>/deployment-action[.exe] beside this file: only in a
//      mirror commit made "with binaries" (for air-gapped runners). A
//      mismatch stops the step; nothing is downloaded then.
//   2. The runner's tool cache, as the setup-* actions keep tools:
//      RUNNER_TOOL_CACHE/deployment-action/<version>/<arch>/ and the marker
//      <arch>.complete (where it cannot be written, or outside a runner,
//      RUNNER_TEMP, then the system's temporary directory; the same where
//      the binary cannot be kept or run: a full disk, a directory in its
//      place, a file system mounted noexec). Hashed again before every
//      start; a file that no longer matches, or anything but a file, is
//      removed and downloaded again.
//   3. A download of the asset from RELEASE.url, or from
//      DEPLOYMENT_ACTION_DOWNLOAD_URL (a mirror, GitHub Enterprise Server):
//      https_proxy/http_proxy/no_proxy honoured (a CONNECT tunnel: node's
//      https module ignores them), redirects followed only to https, each
//      attempt bounded by DEPLOYMENT_ACTION_DOWNLOAD_TIMEOUT seconds (60),
//      3 attempts with backoff for what may pass (no answer, 408, 429, 5xx),
//      a later one asking only for the parts still missing (fetch.js),
//      each part of the asset (the binary in pieces, each compressed on its
//      own) checked against its SHA-256 as soon as it has arrived and then
//      decompressed while the rest arrives, written in order to a temporary
//      file, the binary's size and SHA-256 checked once all are in, then
//      renamed into place and marked complete. A temporary file is removed
//      on any failure, and on SIGINT or SIGTERM before the binary starts.
// - Every failure before the binary starts is one ::error:: line saying
//   what happened and what to do (for a download: the URL, the hosts a
//   runner must reach, the mirror variable and the container entry), and
//   exit code 1.
// - The binary runs with stdio inherited and this process's environment
//   plus DEPLOYMENT_ACTION_STAGE=main or post. SIGINT and SIGTERM are
//   passed on to it (the runner signals this process only); this process
//   exits with its exit code, or 128 + the signal's number.
// No dependencies; CommonJS for node 18 and later.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const { CacheError, matches, caches, cached, openCache, writeAll, place, runnable, discardPending } = require('./cache.js');

// Written by internal/release; null on main.
const RELEASE = null;

const NAME = 'deployment-action';
const URL_VAR = 'DEPLOYMENT_ACTION_DOWNLOAD_URL';
const TIMEOUT_VAR = 'DEPLOYMENT_ACTION_DOWNLOAD_TIMEOUT';
const GITHUB_HOSTS = ['github.com', 'release-assets.githubusercontent.com', 'objects.githubusercontent.com'];
const CONTAINER = 'the container entry deploy-lifecycle/deployment-action@v1 on a Linux runner with Docker, which downloads no binary';
const USE_INSTEAD = `use a release tag such as deploy-lifecycle/deployment-action/native@v1, or ${CONTAINER}`;
const OSES = { Linux: 'linux', macOS: 'darwin', Windows: 'windows' };
const ARCHES = { X64: 'x64', ARM64: 'arm64' };
const PLATFORMS = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
const NODE_ARCHES = { x64: 'x64', arm64: 'arm64' };

class LaunchError extends Error {}

// safe makes s one log line the runner reads no command in: no line
// breaks, and no `##[` (the legacy form, matched anywhere in a line).
function safe(s) {
  return String(s).replace(/[\r\n]+/g, ' ').replace(/##\[/g, '##%5B');
}

// fail prints one workflow command (data escaped as the runner reads it)
// and exits 1.
function fail(message) {
  const data = String(message).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/##\[/g, '##%5B');
  process.stdout.write(`::error::${data}\n`);
  process.exit(1);
}

// own is table[key] for own keys only: RUNNER_OS=constructor must not find Object's.
const own = (table, key) => (table && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined);

// platform is the runner's platform: key (<os>-<arch>), arch, and the
// binary's file name.
function platform(env) {
  let o, a, seen;
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
      `run it on one of those, or use ${CONTAINER}`);
  }
  const file = NAME + (o === 'windows' ? '.exe' : '');
  return { key: `${o}-${a}`, arch: a, file, rel: `${o}-${a}/${file}` };
}

// committed is the binary of a mirror commit made with binaries, checked
// against the sums, or undefined when there is none.
async function committed(dir, plat, entry) {
  const file = path.join(dir, 'bin', ...plat.rel.split('/'));
  if (!fs.existsSync(file)) return undefined;
  if (!(await matches(file, entry))) {
    throw new LaunchError(`checksum mismatch: bin/${plat.rel} is not the binary of ${NAME} ${RELEASE.version} ` +
      `(SHA-256 ${entry.sha256}, ${entry.size} bytes, as launch.js says), so it was not started; ` +
      `do not use this copy: ${USE_INSTEAD}, and report the mismatch (SECURITY.md)`);
  }
  return file;
}

// timeoutSeconds reads DEPLOYMENT_ACTION_DOWNLOAD_TIMEOUT: 1 to 600, default 60.
function timeoutSeconds(env) {
  const v = env[TIMEOUT_VAR];
  if (v === undefined || v === '') return 60;
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 600) {
    throw new LaunchError(`${TIMEOUT_VAR} is ${JSON.stringify(v)}: want whole seconds from 1 to 600 (default 60)`);
  }
  return Number(v);
}

// baseURL is where the assets are: DEPLOYMENT_ACTION_DOWNLOAD_URL or the
// release's own, and whether it is the override.
function baseURL(env) {
  const v = env[URL_VAR];
  if (v === undefined || v === '') return { url: new URL(RELEASE.url.replace(/\/?$/, '/')), override: false };
  let u;
  try {
    u = new URL(v.replace(/\/?$/, '/'));
  } catch (e) {
    u = undefined;
  }
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.search || u.hash) {
    throw new LaunchError(`${URL_VAR} is ${JSON.stringify(v)}: want the http(s) URL of a folder holding the release's assets, ` +
      `without credentials or query, e.g. https://ghes.example.com/mirrors/deployment-action/releases/download/v${RELEASE.version}`);
  }
  return { url: u, override: true };
}

// fetchBinary downloads the platform's asset into the first of caches cs
// it can write to, and returns the binary's path there. Each part of the
// asset is checked against its SHA-256 as soon as it has arrived, then
// decompressed on zlib's threads while the rest arrives, and written in
// order; the binary's size and SHA-256 are checked before it is put in
// place (a temporary file renamed, then the marker).
async function fetchBinary(env, plat, entry, cs, log) {
  // Loaded only to download: http, tls and net cost a start that runs a
  // cached binary several milliseconds.
  const { download, DownloadError } = require('./fetch.js');
  const { url: base } = baseURL(env);
  const url = new URL(encodeURIComponent(entry.asset), base);
  const started = Date.now();
  // The hosts a runner must reach: the assets' and, on github.com, where
  // its release downloads redirect (more are added as redirects are seen).
  const hosts = base.host === 'github.com' ? GITHUB_HOSTS.slice() : [base.host];
  const parts = partsOf(entry);
  const timeoutMs = timeoutSeconds(env) * 1000;
  const out = openCache(cs, 0, [], log);
  const hash = crypto.createHash('sha256');
  const pieces = [];
  let written = Promise.resolve();
  // onPart starts decompressing part i and queues its check and write
  // behind the parts before it. Parts come in order; a part that came
  // whole in an attempt that broke off later is kept.
  const onPart = (i, bytes) => {
    if (pieces[i]) return;
    pieces[i] = decompress(bytes, entry.encoding, parts[i].binary_size, DownloadError);
    written = written.then(() => pieces[i]).then((piece) => {
      if (piece.length !== parts[i].binary_size) {
        throw new DownloadError(`part ${i + 1} of ${parts.length} decompresses to ${piece.length} bytes, not the ${parts[i].binary_size} launch.js names`);
      }
      hash.update(piece);
      writeAll(out, piece);
    });
    written.catch(() => {}); // awaited once the download is done
  };
  try {
    await download(url, {
      env, size: entry.asset_size, parts, timeoutMs, attempts: 3, log, onPart,
      redirected: (u) => { if (!hosts.includes(u.host)) hosts.push(u.host); },
    });
    await written;
    const got = hash.digest('hex');
    if (got !== entry.sha256) {
      throw new DownloadError(`it decompresses to a file with SHA-256 ${got}, not the binary launch.js names (${entry.size} bytes, ${entry.sha256})`);
    }
    const file = await place(cs, out, pieces, log);
    log(`downloaded ${entry.asset} (${entry.asset_size} bytes) from ${shown(url)} in ${((Date.now() - started) / 1000).toFixed(1)} s; checked against launch.js's SHA-256`);
    return file;
  } catch (e) {
    discardPending();
    if (!(e instanceof DownloadError)) throw e;
    throw new LaunchError(`deployment-action could not get its ${plat.key} binary from ${shown(url)}: ${e.message}. ` +
      `A runner must reach ${hosts.join(', ')} over https (behind a proxy: set https_proxy, and no_proxy for what bypasses it); ` +
      `for GitHub Enterprise Server or an air-gapped runner set ${URL_VAR} to a mirror of the release's assets, ` +
      `or use a mirror commit with binaries (RELEASE.md); or use ${CONTAINER}`);
  }
}

// partsOf is entry's asset in parts ({size, sha256, binary_size}), each
// compressed on its own; an entry without parts is one.
function partsOf(entry) {
  const parts = Array.isArray(entry.parts) && entry.parts.length > 0 ? entry.parts
    : [{ size: entry.asset_size, sha256: entry.asset_sha256, binary_size: entry.size }];
  const sum = (k) => parts.reduce((n, p) => n + p[k], 0);
  if (sum('size') !== entry.asset_size || sum('binary_size') !== entry.size) {
    throw new LaunchError(`launch.js's sums of ${entry.asset} do not add up; ${USE_INSTEAD}`);
  }
  return parts;
}

// decompress resolves to bytes with the asset's encoding ("br", "gzip"
// or none) undone, on zlib's threads, never producing more than size
// bytes (plus one, to see a longer one).
function decompress(bytes, encoding, size, DownloadError) {
  const zlib = require('node:zlib');
  const run = { br: zlib.brotliDecompress, gzip: zlib.gunzip }[encoding];
  if (!run) return Promise.resolve(bytes);
  const piece = new Promise((resolve, reject) => {
    // One chunk of up to 4 MiB at a time: zlib's default 16 KiB makes
    // hundreds of trips between its threads and this one.
    run(bytes, { maxOutputLength: size + 1, chunkSize: Math.min(Math.max(size + 1, 64), 4 << 20) }, (e, out) => {
      if (e) reject(new DownloadError(`decompressing it failed (${e.code || e.message})`));
      else resolve(out);
    });
  });
  piece.catch(() => {}); // awaited in order later; a failure then is the one reported
  return piece;
}

// shown is u without query or credentials, for the log.
function shown(u) {
  return u.origin + u.pathname;
}

// binaryFor finds or fetches the binary for this runner and returns its path.
async function binaryFor(env, log) {
  const plat = platform(env);
  if (!RELEASE) {
    throw new LaunchError(`deployment-action's native entry is not a release: prebuilt binaries come only with release tags; ${USE_INSTEAD}`);
  }
  const entry = own(RELEASE.binaries, plat.key);
  if (!entry) {
    throw new LaunchError(`${NAME} ${RELEASE.version} has no binary for ${plat.key}; use ${CONTAINER}`);
  }
  const inCommit = await committed(__dirname, plat, entry);
  if (inCommit) return inCommit;
  const cs = caches(env, NAME, RELEASE.version, plat);
  for (const c of cs) {
    const file = await cached(c, entry, log);
    if (file) return file;
  }
  return fetchBinary(env, plat, entry, cs, log);
}

// start runs the binary for stage and exits with its exit code.
function start(file, stage) {
  child = spawn(file, [], {
    stdio: 'inherit',
    env: { ...process.env, DEPLOYMENT_ACTION_STAGE: stage },
    windowsHide: true,
  });
  child.on('error', (e) => {
    const noexec = e.code === 'EACCES' ? ` (can programs run in ${path.dirname(file)}? its file system may be mounted noexec)` : '';
    fail(`deployment-action's binary did not start: ${e.message}${noexec}; ${USE_INSTEAD}`);
  });
  child.on('exit', (code, signal) => {
    process.exit(signal ? 128 + (os.constants.signals[signal] || 0) : code);
  });
}

// child is the binary once it runs.
let child = null;

// stopOn makes SIGINT and SIGTERM (the runner signals this process only,
// when a job is cancelled) reach the binary once it runs; before that,
// they remove a download's temporary file and stop with 128 + the
// signal's number.
function stopOn() {
  if (process.platform === 'win32') return;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      if (child) {
        try {
          child.kill(sig);
        } catch (e) {
          // it has exited already
        }
        return;
      }
      discardPending();
      process.exit(128 + (os.constants.signals[sig] || 0));
    });
  }
}

// launch runs stage ("main" or "post") of the action.
async function launch(stage) {
  // Progress goes to stderr: the binary's first line on stdout is its
  // token mask.
  const log = (line) => process.stderr.write(`${NAME}: ${safe(line)}\n`);
  stopOn();
  try {
    const file = await binaryFor(process.env, log);
    runnable(file);
    start(file, stage);
  } catch (e) {
    if (e instanceof LaunchError) fail(e.message);
    if (e instanceof CacheError) fail(e.fix === 'container' ? `${e.message}, or use ${CONTAINER}` : `${e.message}; ${USE_INSTEAD}`);
    fail(`deployment-action's launcher failed: ${e && e.message}; ${USE_INSTEAD}`);
  }
}

module.exports = { launch, platform };
