import { constants, createPublicKey, publicEncrypt } from 'node:crypto';

/**
 * The encrypted-password login of §1.4: RSA PKCS#1 v1.5 with the key from
 * `GET /session/encryptionKey`, over base64(password + "|" + timeStamp). The docs' prose says AES;
 * the official sample and every client use RSA, and the documented key is an RSA-2048 SPKI key.
 */
export function encryptPassword(password: string, encryptionKey: string, timeStamp: number): string {
  const key = createPublicKey({ key: Buffer.from(encryptionKey, 'base64'), format: 'der', type: 'spki' });
  const plaintext = Buffer.from(Buffer.from(`${password}|${timeStamp}`, 'utf8').toString('base64'), 'utf8');
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, plaintext).toString('base64');
}
