import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@refinery/core';
import { temporalConnectionOptions, temporalTlsOptions } from '../src/client';

// TLS to Temporal from TEMPORAL_TLS_*: the settings are checked, and both connection kinds (the
// clients' and the workers' native one) present the client certificate to a TLS server that
// requires one, verifying the server against the given CA under the given name.

const dir = mkdtempSync(join(tmpdir(), 'refinery-temporal-tls-'));
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

function makeCertificates() {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=refinery-test-ca');
  for (const [name, extra] of [
    ['server', 'subjectAltName=DNS:temporal.test'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=refinery-test-${name}`);
    writeFileSync(file(`${name}.ext`), `${extra}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

/** A TLS listener that requires a client certificate signed by the test CA and records who connected. */
let server: ReturnType<typeof createServer>;
let address: string;
const peers: { authorized: boolean; cn?: string }[] = [];

beforeAll(async () => {
  makeCertificates();
  server = createServer(
    { key: readFileSync(file('server.key')), cert: readFileSync(file('server.crt')), ca: readFileSync(file('ca.crt')), requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['h2'] },
    (socket: TLSSocket) => {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      peers.push({ authorized: socket.authorized, cn: typeof cn === 'string' ? cn : undefined });
      socket.destroy(); // not a Temporal server: the handshake is what is under test
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const mtlsEnv = () => ({
  TEMPORAL_TLS_CERT: file('client.crt'),
  TEMPORAL_TLS_KEY: file('client.key'),
  TEMPORAL_TLS_CA: file('ca.crt'),
  TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
});

describe('temporalTlsOptions', () => {
  it('is plaintext without settings, TLS with system roots for TEMPORAL_TLS=true', () => {
    expect(temporalTlsOptions({})).toBeUndefined();
    expect(temporalTlsOptions({ TEMPORAL_TLS: 'false' })).toBeUndefined();
    expect(temporalTlsOptions({ TEMPORAL_TLS: 'true' })).toEqual({});
  });

  it('reads the PEM files into the client certificate pair and the server CA', () => {
    const tls = temporalTlsOptions(mtlsEnv());
    expect(tls).toMatchObject({ serverNameOverride: 'temporal.test' });
    const options = tls as { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate: Buffer };
    expect(options.clientCertPair.crt.equals(readFileSync(file('client.crt')))).toBe(true);
    expect(options.clientCertPair.key.equals(readFileSync(file('client.key')))).toBe(true);
    expect(options.serverRootCACertificate.equals(readFileSync(file('ca.crt')))).toBe(true);
  });

  it('refuses half a certificate pair, a contradiction and a missing file, naming the variable', () => {
    expect(() => temporalTlsOptions({ TEMPORAL_TLS_CERT: file('client.crt') })).toThrow(/TEMPORAL_TLS_KEY is not set/);
    expect(() => temporalTlsOptions({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: file('ca.crt') })).toThrow(/contradicts/);
    expect(() => temporalTlsOptions({ TEMPORAL_TLS_CA: file('missing.crt') })).toThrow(ConfigError);
    expect(() => temporalTlsOptions({ TEMPORAL_TLS_CA: file('missing.crt') })).toThrow(/TEMPORAL_TLS_CA: cannot read ".*missing\.crt" \(ENOENT\)/);
  });
});

describe('TLS handshake with the settings', () => {
  it('the client connection presents the client certificate and trusts the CA under the server name', async () => {
    peers.length = 0;
    const options = temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' }, mtlsEnv());
    await expect(Connection.connect({ ...options, connectTimeout: 1_500 })).rejects.toThrow();
    expect(peers[0]).toEqual({ authorized: true, cn: 'refinery-test-client' });
  });

  it("the workers' native connection does the same", async () => {
    peers.length = 0;
    const options = temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' }, mtlsEnv());
    await expect(NativeConnection.connect(options)).rejects.toThrow();
    expect(peers[0]).toEqual({ authorized: true, cn: 'refinery-test-client' });
  });

  it('without a client certificate the server sees none', async () => {
    peers.length = 0;
    const options = temporalConnectionOptions({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' }, { TEMPORAL_TLS_CA: file('ca.crt'), TEMPORAL_TLS_SERVER_NAME: 'temporal.test' });
    await expect(Connection.connect({ ...options, connectTimeout: 1_500 })).rejects.toThrow();
    expect(peers[0]?.authorized).toBe(false);
    expect(peers[0]?.cn).toBeUndefined();
  });
});
