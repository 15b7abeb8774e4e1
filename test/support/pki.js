'use strict';
// Throwaway certificates made with openssl for the TLS tests: a server certificate
// for a DNS name (to check SNI and the name the client verifies), and a client
// certificate as PEM and as PKCS#12 (what Node-RED 5's tls-config calls "p12").
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

/**
 * A self-signed certificate for `name` (a DNS name), its key, and the same as PKCS#12 under
 * `passphrase`; `trust` (a PEM certificate) goes into the PKCS#12 too, as a CA the holder trusts.
 */
function certificate(name, passphrase = 'mat-khau-p12', trust) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'btxh-pki-'));
  const [key, cert, p12] = ['key.pem', 'cert.pem', 'cert.p12'].map((f) => path.join(dir, f));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
      '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'ignore' });
    const extra = trust ? ['-certfile', path.join(dir, 'trust.pem')] : [];
    if (trust) fs.writeFileSync(path.join(dir, 'trust.pem'), trust);
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, ...extra, '-out', p12, '-passout', `pass:${passphrase}`], { stdio: 'ignore' });
    return { name, key: fs.readFileSync(key), cert: fs.readFileSync(cert), pfx: fs.readFileSync(p12), passphrase };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An HTTPS server on 127.0.0.1 that answers only for `server.name` by SNI and only to a
 * client presenting `client`'s certificate; it records the SNI names and client subjects seen.
 * `handler(request, res)` gets the request as the client tests' servers give it (`body` as text).
 */
function sniServer(server, client, handler) {
  const https = require('https');
  const seen = { names: [], clients: [] };
  const srv = https.createServer(sniOptions(server, client, seen), (req, res) => {
    seen.clients.push(req.socket.getPeerCertificate().subject?.CN);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => handler({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }, res, req));
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    resolve({ url: `https://127.0.0.1:${port}`, port, seen, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }) });
  }));
}

/** HTTPS server options: `server`'s certificate only to a client asking for its name (SNI), and only a client holding `client`'s. */
function sniOptions(server, client, seen = { names: [] }) {
  const tls = require('tls');
  // The context chosen by SNI is the one that verifies the client too: it carries the CA.
  const context = tls.createSecureContext({ key: server.key, cert: server.cert, ca: client.cert });
  return {
    key: server.key,
    cert: server.cert,
    // No certificate without the right name: a client that sends no SNI (or another) gets a failed handshake.
    SNICallback: (name, cb) => {
      seen.names.push(name);
      cb(name === server.name ? null : new Error(`no certificate for ${name}`), name === server.name ? context : undefined);
    },
    ca: client.cert,
    requestCert: true,
    rejectUnauthorized: true,
  };
}

module.exports = { certificate, sniServer, sniOptions };
