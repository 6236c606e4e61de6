import { KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  /** First 16 hex characters of the SHA-256 of the public key (SPKI DER). */
  keyId: string;
}

/**
 * The checkpoint signing key: GOVFLOW_SIGNING_KEY (PEM), else GOVFLOW_SIGNING_KEY_FILE, else
 * `<dataDir>/signing-key.pem`, generated on first start (readable by its owner only).
 */
export function loadSigningKey(options: { pem?: string; file?: string; dataDir: string }): SigningKey {
  let pem = options.pem;
  if (!pem) {
    const file = options.file ?? join(options.dataDir, 'signing-key.pem');
    if (!existsSync(file)) {
      if (options.file) throw new Error(`GOVFLOW_SIGNING_KEY_FILE ${file} does not exist`);
      mkdirSync(options.dataDir, { recursive: true });
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    }
    pem = readFileSync(file, 'utf8');
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the signing key must be an Ed25519 private key');
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: createHash('sha256').update(der).digest('hex').slice(0, 16),
  };
}

/**
 * The key that authenticates stream snapshots (HMAC-SHA256), derived from the signing key so
 * that there is one secret to keep: whoever cannot sign checkpoints cannot forge a snapshot.
 */
export function snapshotKey(key: SigningKey): Buffer {
  const secret = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  return Buffer.from(hkdfSync('sha256', secret, 'govflow', 'govflow stream snapshots v1', 32));
}
