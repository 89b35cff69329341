// cache.js keeps launch.js's binary where a runner keeps tools, as the
// setup-* actions do: RUNNER_TOOL_CACHE/<name>/<version>/<arch>/ and the
// marker <arch>.complete, else RUNNER_TEMP, else the system's temporary
// directory. It checks a kept binary against launch.js's sums before each
// start, and puts a downloaded one in place only once it is checked: a
// temporary file written piece by piece, renamed, then marked; where a
// location cannot take it (a write or the rename fails, or programs
// cannot run there: noexec), the next one gets it. A temporary file never
// outlives a failure, nor a signal (discardPending).
// No dependencies; CommonJS for node 18 and later.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

// CacheError is a failure to read or keep the binary; fix says what to
// suggest: "container" (the container entry), else a release tag.
class CacheError extends Error {
  constructor(message, fix) {
    super(message);
    this.fix = fix;
  }
}

// matches resolves to whether the file at p is the binary entry
// describes (size, then SHA-256); a missing file, or something other than
// a file, is false. The next MiB
// is read (on libuv's threads) while this one is hashed.
async function matches(p, entry) {
  let fd;
  try {
    // Anything but a file (a FIFO would block the open) does not match.
    if (!fs.lstatSync(p).isFile()) return false;
    fd = fs.openSync(p, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0));
  } catch (e) {
    if (e.code === 'ENOENT') return false;
    throw new CacheError(`deployment-action cannot read ${p} (${e.code || e.message})`);
  }
  const read = (buf, pos) => new Promise((resolve, reject) => {
    fs.read(fd, buf, 0, buf.length, pos, (e, n) => (e ? reject(e) : resolve(n)));
  });
  try {
    if (fs.fstatSync(fd).size !== entry.size) return false;
    const hash = crypto.createHash('sha256');
    const bufs = [Buffer.allocUnsafe(1 << 20), Buffer.allocUnsafe(1 << 20)];
    let pos = 0;
    let next = read(bufs[0], 0);
    for (let k = 0; ; k ^= 1) {
      const n = await next;
      if (n === 0) break;
      pos += n;
      next = read(bufs[k ^ 1], pos);
      hash.update(bufs[k].subarray(0, n));
    }
    return pos === entry.size && hash.digest('hex') === entry.sha256;
  } catch (e) {
    throw new CacheError(`deployment-action cannot read ${p} (${e.code || e.message})`);
  } finally {
    fs.closeSync(fd);
  }
}

// caches are where the binary may be kept, in order: the tool cache,
// then (where it cannot be written) RUNNER_TEMP, then the system's
// temporary directory; for each its folder for this version and arch, the
// binary in it and its complete-marker.
function caches(env, name, version, plat) {
  const roots = [...new Set([env.RUNNER_TOOL_CACHE, env.RUNNER_TEMP, os.tmpdir()].filter(Boolean))];
  return roots.map((root) => {
    const dir = path.join(root, name, version, plat.arch);
    return { dir, file: path.join(dir, plat.file), marker: `${dir}.complete` };
  });
}

// cached is the tool cache's binary when it is complete and still
// matches the sums; a changed one is removed (and downloaded again).
async function cached(c, entry, log) {
  if (!fs.existsSync(c.marker)) return undefined;
  if (await matches(c.file, entry)) return c.file;
  log(`the cached binary ${c.file} does not match launch.js's SHA-256 ${entry.sha256}: removed, downloading it again`);
  try {
    fs.rmSync(c.marker, { force: true });
    fs.rmSync(c.file, { force: true, recursive: true });
  } catch (e) {
    log(`cannot remove ${c.file} (${e.code || e.message})`);
  }
  return undefined;
}

// openCache opens a temporary file for the binary in the first of cs,
// from index from on, it can write to: {c, tmp, fd, index}. pending is
// the one a signal removes before the launcher stops.
let pending = null;

function openCache(cs, from, failed, log) {
  for (let i = from; i < cs.length; i++) {
    const c = cs[i];
    try {
      fs.mkdirSync(c.dir, { recursive: true });
      const tmp = `${c.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      const fd = fs.openSync(tmp, 'wx', 0o755);
      if (failed.length) log(`cannot keep the binary in ${failed.join(', ')}: the binary is kept in ${c.dir}`);
      pending = { c, tmp, fd, index: i };
      return pending;
    } catch (e) {
      failed.push(`${c.dir} (${e.code || e.message})`);
    }
  }
  throw new CacheError(`deployment-action cannot keep its binary anywhere: ${failed.join(', ')}; ` +
    'RUNNER_TOOL_CACHE or RUNNER_TEMP must be writable by the runner\'s user and let it run programs', 'container');
}

// writeAll writes all of bytes to out's file; a failure is kept in
// out.failed (the next location gets the binary).
function writeAll(out, bytes) {
  if (out.failed) return;
  try {
    for (let off = 0; off < bytes.length;) off += fs.writeSync(out.fd, bytes, off);
  } catch (e) {
    out.failed = e;
  }
}

// keep puts out's checked file in place (renamed, then the marker) and
// returns its path, or undefined when that failed or the file cannot run
// there (a file system mounted noexec): then it is removed.
function keep(out) {
  let placed = false;
  try {
    if (out.failed) throw out.failed;
    close(out);
    fs.renameSync(out.tmp, out.c.file);
    placed = true;
    if (!runnable(out.c.file)) throw Object.assign(new Error('cannot run programs there'), { code: 'noexec' });
    fs.writeFileSync(out.c.marker, '');
    pending = null;
    return out.c.file;
  } catch (e) {
    out.failed = e;
    discard(out);
    try {
      if (placed) fs.rmSync(out.c.file, { force: true });
    } catch (e2) {
      // left for the next job to find without its marker
    }
    return undefined;
  }
}

// runnable reports whether the file at p can be run (after making it
// executable): false where its file system is mounted noexec.
function runnable(p) {
  if (process.platform === 'win32') return true;
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch (e) {
    try {
      fs.chmodSync(p, 0o755); // an archive that lost the mode bits
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch (e2) {
      return false;
    }
  }
}

// close closes out's file, once (its number may be another file's later).
function close(out) {
  const fd = out.fd;
  out.fd = -1;
  if (fd >= 0) fs.closeSync(fd);
}

// discard closes and removes out's temporary file, if it is still there;
// it never throws (it runs on failures and signals).
function discard(out) {
  try {
    close(out);
  } catch (e) {
    // nothing more to do with it
  }
  try {
    fs.rmSync(out.tmp, { force: true });
  } catch (e) {
    // left behind: a later job does not read it
  }
  if (pending === out) pending = null;
}

// place puts the checked binary (its pieces) in place: in out, or where
// out cannot take it, in the next location that can.
async function place(cs, out, pieces, log) {
  const failed = [];
  for (;;) {
    const file = keep(out);
    if (file) return file;
    failed.push(`${out.c.dir} (${out.failed.code || out.failed.message})`);
    out = openCache(cs, out.index + 1, failed, log);
    for (const piece of pieces) writeAll(out, await piece);
  }
}

// discardPending removes the temporary file of a download under way, if
// any (before the launcher stops on a signal).
function discardPending() {
  if (pending) discard(pending);
}

module.exports = { CacheError, matches, caches, cached, openCache, writeAll, place, runnable, discardPending };
