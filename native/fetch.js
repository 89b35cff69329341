// fetch.js downloads one release asset for launch.js, with node's own
// modules only (node 18 and later):
//
// - Proxies: https_proxy (HTTPS_PROXY) for https URLs, through a CONNECT
//   tunnel opened with http.request and tls.connect on its socket (node's
//   https module ignores the variables, and its Agent has no proxy option
//   before node 22.21/24.5); http_proxy (HTTP_PROXY) for http URLs, as an
//   absolute-form request; no_proxy (NO_PROXY) lists hosts reached
//   directly: `*`, a name (itself and its subdomains), `.name` or `*.name`,
//   optionally with `:port`. A proxy URL's user and password go to the
//   proxy only, as Proxy-Authorization.
// - Redirects: at most 5, each only to https (GitHub's release download
//   redirects to a signed URL on release-assets.githubusercontent.com).
//   A signed URL's query is never logged.
// - Bounds: each attempt (connect to last byte, redirects included) ends
//   after timeoutMs; exactly the asset's bytes are read (what a body holds
//   after the last part is never read, and one that ends sooner is short),
//   each part must match its SHA-256 before it is handed on, and the
//   asset comes as it is (Accept-Encoding: identity; a Content-Encoding
//   other than identity is refused, not taken for tampering).
// - Resuming: an attempt after one that brought some parts whole asks for
//   the rest only (Range from the first part missing), takes a 206 whose
//   Content-Range says exactly that or a 200 of the whole asset, and asks
//   for the whole asset after any other answer to it.
// - Retries: up to `attempts` in all, 1 s then 2 s apart (plus up to a
//   quarter of that at random), only when another attempt may succeed: no
//   answer, a broken or short body, 408, 429 and 5xx. A 404, a redirect to
//   http, a refused proxy tunnel or a body of the wrong SHA-256 is final.
'use strict';

const http = require('node:http');
const net = require('node:net');
const tls = require('node:tls');
const crypto = require('node:crypto');

// DownloadError is a failed download; retry says whether another attempt
// may succeed.
class DownloadError extends Error {
  constructor(message, retry = false) {
    super(message);
    this.retry = retry;
  }
}

const MAX_REDIRECTS = 5;
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

const shown = (u) => u.origin + u.pathname;
const portOf = (u) => Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
const bareHost = (u) => u.hostname.replace(/^\[(.*)\]$/, '$1');

// bypassed reports whether no_proxy names u's host.
function bypassed(u, list) {
  const host = bareHost(u).toLowerCase();
  for (let entry of String(list || '').toLowerCase().split(/[\s,]+/)) {
    if (!entry) continue;
    if (entry === '*') return true;
    let port = '';
    const m = /^(.*):([0-9]+)$/.exec(entry);
    if (m && !entry.includes(']') && net.isIP(entry) !== 6) [, entry, port] = m;
    entry = entry.replace(/^\[(.*)\]$/, '$1');
    if (port && Number(port) !== portOf(u)) continue;
    entry = entry.replace(/^\*?\./, '');
    if (host === entry || (!net.isIP(host) && host.endsWith('.' + entry))) return true;
  }
  return false;
}

// proxyFor is the proxy to reach u through, or null: https_proxy for
// https, http_proxy for http, unless no_proxy names the host.
function proxyFor(u, env) {
  const get = (name) => env[name] || env[name.toUpperCase()] || '';
  const raw = get(u.protocol === 'https:' ? 'https_proxy' : 'http_proxy');
  if (!raw || bypassed(u, get('no_proxy'))) return null;
  let p;
  try {
    p = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch (e) {
    throw new DownloadError('the proxy variable (https_proxy or http_proxy) is not a URL such as http://proxy.example.com:3128');
  }
  if (p.protocol !== 'http:') {
    throw new DownloadError(`the proxy ${p.protocol}//${p.host} is not an http:// proxy, the only kind this launcher speaks`);
  }
  return p;
}

// proxyAuth is the Proxy-Authorization header of proxy p, if it has a user.
function proxyAuth(p) {
  if (!p.username) return {};
  const cred = `${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`;
  return { 'Proxy-Authorization': `Basic ${Buffer.from(cred).toString('base64')}` };
}

// tunnel opens a CONNECT tunnel to u's host through proxy p and resolves
// to its socket.
function tunnel(u, p, track) {
  return new Promise((resolve, reject) => {
    const target = `${u.hostname}:${portOf(u)}`;
    const req = http.request({
      host: bareHost(p), port: portOf(p), method: 'CONNECT', path: target,
      headers: { Host: target, ...proxyAuth(p) },
    });
    track(req);
    req.on('connect', (res, socket) => {
      track(socket);
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(new DownloadError(`the proxy ${p.host} answered ${res.statusCode} to CONNECT ${target}`, res.statusCode >= 500));
    });
    req.on('error', (e) => reject(new DownloadError(`the proxy ${p.host} did not answer (${e.code || e.message})`, true)));
    req.end();
  });
}

// connection resolves to a socket for u: TLS for https (through the proxy's
// tunnel when there is one); for http, to the proxy or the host.
async function connection(u, proxy, track) {
  const host = bareHost(u);
  if (u.protocol === 'https:') {
    const opts = { host, port: portOf(u) };
    if (!net.isIP(host)) opts.servername = host;
    if (proxy) opts.socket = await tunnel(u, proxy, track);
    return track(tls.connect(opts));
  }
  return track(proxy ? net.connect(portOf(proxy), bareHost(proxy)) : net.connect(portOf(u), host));
}

// get sends one GET for u, for its bytes from offset on, as they are
// (no content coding), and resolves to its response (headers read).
async function get(u, env, track, offset) {
  const proxy = proxyFor(u, env);
  const socket = await connection(u, proxy, track);
  return new Promise((resolve, reject) => {
    const viaProxy = proxy && u.protocol === 'http:';
    const req = http.request({
      host: bareHost(u), port: portOf(u), method: 'GET', path: viaProxy ? u.href : u.pathname + u.search,
      headers: {
        'User-Agent': 'deployment-action-launcher', Accept: 'application/octet-stream', 'Accept-Encoding': 'identity',
        ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}), ...(viaProxy ? proxyAuth(proxy) : {}),
      },
      createConnection: () => socket,
    });
    track(req);
    req.on('response', resolve);
    req.on('error', (e) => reject(new DownloadError(`no answer from ${u.host} (${e.code || e.message})`, !/CERT|SELF_SIGNED|ERR_TLS/.test(e.code || ''))));
    req.end();
  });
}

// body reads res's body from the asset's byte from.offset, the start of
// part from.part, and hands each part to o.onPart as soon as its bytes
// are in and match its SHA-256 (so that it is decompressed while the rest
// arrives). It resolves once the last part is in, without reading what
// may come after it (a body held open, or longer than the asset), or
// rejects when the body ends first.
function body(res, o, host, from) {
  return new Promise((resolve, reject) => {
    let n = from.offset;
    let part = from.part;
    let buf = Buffer.allocUnsafe(o.parts[part].size);
    let have = 0;
    let done = false;
    const stop = (e) => {
      if (done) return;
      done = true;
      if (e) reject(e);
      else resolve();
      res.destroy();
    };
    // take copies c into the current part and hands on every part it completes.
    const take = (c) => {
      while (c.length > 0 && part < o.parts.length) {
        const k = Math.min(c.length, buf.length - have);
        c.copy(buf, have, 0, k);
        c = c.subarray(k);
        have += k;
        n += k;
        if (have < buf.length) continue;
        const got = crypto.createHash('sha256').update(buf).digest('hex');
        if (got !== o.parts[part].sha256) {
          throw new DownloadError(`checksum mismatch: part ${part + 1} of ${o.parts.length} of the asset has SHA-256 ${got}, ` +
            `launch.js says ${o.parts[part].sha256}, so it was not used; report the mismatch (SECURITY.md)`);
        }
        o.onPart(part, buf);
        part++;
        have = 0;
        if (part < o.parts.length) buf = Buffer.allocUnsafe(o.parts[part].size);
      }
    };
    res.on('data', (c) => {
      if (done) return;
      try {
        take(c);
        if (part === o.parts.length) stop();
      } catch (e) {
        stop(e);
      }
    });
    const short = () => `${host} sent ${n} of the asset's ${o.size} bytes`;
    res.on('end', () => stop(new DownloadError(short(), true)));
    res.on('error', (e) => stop(new DownloadError(`the download from ${host} broke off after ${n} of ${o.size} bytes (${e.code || e.message})`, true)));
    res.on('aborted', () => stop(new DownloadError(`the download from ${host} broke off after ${n} of ${o.size} bytes`, true)));
  });
}

// resumed tells where res's body starts: at from (a 206 whose
// Content-Range is the asset from from.offset on), at the asset's start
// (a 200), or nowhere usable (undefined).
function resumed(res, from, size) {
  if (res.statusCode === 200) return { part: 0, offset: 0 };
  const m = /^bytes ([0-9]+)-([0-9]+)\/([0-9]+|\*)$/.exec(res.headers['content-range'] || '');
  if (res.statusCode === 206 && from.offset > 0 && m && Number(m[1]) === from.offset && Number(m[2]) === size - 1 && (m[3] === '*' || Number(m[3]) === size)) {
    return from;
  }
  return undefined;
}

// attempt is one download of url, redirects followed, within timeoutMs,
// of the asset from part from.part on (a Range request when that is not
// the first).
async function attempt(url, o, from) {
  const open = [];
  const track = (x) => { open.push(x); return x; };
  let timer;
  const deadline = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new DownloadError(`no complete answer within ${o.timeoutMs / 1000} s`, true)), o.timeoutMs);
  });
  const run = async () => {
    let u = url;
    for (let hop = 0; ; hop++) {
      const res = await get(u, o.env, track, from.offset);
      const loc = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && loc) {
        res.resume();
        const next = new URL(loc, u);
        if (next.protocol !== 'https:') {
          throw new DownloadError(`${u.host} redirected to ${next.protocol}//${next.host}${next.pathname}, which is not https: refused`);
        }
        if (hop >= MAX_REDIRECTS) throw new DownloadError(`more than ${MAX_REDIRECTS} redirects`);
        if (o.redirected) o.redirected(next);
        u = next;
        continue;
      }
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        res.resume();
        throw new DownloadError(`${shown(u)} answered ${res.statusCode}${res.statusCode === 404 ? ' (no such asset in the release, or no access to it)' : ''}`,
          RETRY_STATUS.has(res.statusCode));
      }
      const coding = String(res.headers['content-encoding'] || 'identity').trim().toLowerCase();
      if (coding !== 'identity') {
        throw new DownloadError(`${u.host} sent the asset with Content-Encoding ${JSON.stringify(coding.slice(0, 40))}, not as it is, though asked for it as it is (Accept-Encoding: identity); a proxy or mirror that compresses must leave it alone`);
      }
      const at = resumed(res, from, o.size);
      if (!at) {
        const e = new DownloadError(`${u.host} answered the request for the asset from byte ${from.offset} with ${res.statusCode} ${JSON.stringify(String(res.headers['content-range'] || '').slice(0, 80))}`, true);
        e.noRange = true;
        throw e;
      }
      return body(res, o, u.host, at);
    }
  };
  try {
    return await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
    for (const x of open) x.destroy();
  }
}

// download fetches url: o.size bytes in o.parts ({size, sha256} each, in
// order), each handed to o.onPart(index, bytes) once it has arrived and
// matches, through o.env's proxies, in up to o.attempts attempts of
// o.timeoutMs each. An attempt after one that brought some parts whole
// asks for the rest only (a Range request; a server that answers with the
// whole asset hands the parts on again), and one after an answer to that
// which was no usable range asks for the whole asset.
async function download(url, o) {
  let kept = 0;
  let ranges = true;
  const onPart = (i, bytes) => {
    if (i === kept) kept++;
    o.onPart(i, bytes);
  };
  for (let n = 1; ; n++) {
    const from = { part: 0, offset: 0 };
    if (ranges && kept < o.parts.length) {
      from.part = kept;
      for (let i = 0; i < kept; i++) from.offset += o.parts[i].size;
    }
    try {
      return await attempt(url, { ...o, onPart }, from);
    } catch (e) {
      if (!(e instanceof DownloadError)) throw new DownloadError(e && e.message);
      if (e.noRange) ranges = false;
      if (!e.retry || n >= o.attempts) {
        throw new DownloadError(n > 1 ? `${e.message} (attempt ${n} of ${o.attempts})` : e.message);
      }
      const wait = 1000 * 2 ** (n - 1) * (1 + Math.random() / 4);
      o.log(`download of ${shown(url)} failed: ${e.message}; attempt ${n + 1} of ${o.attempts} in ${(wait / 1000).toFixed(1)} s` +
        (kept > 0 && ranges ? `, from part ${kept + 1} of ${o.parts.length}` : ''));
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

module.exports = { download, DownloadError, proxyFor, bypassed };
