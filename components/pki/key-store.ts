import { createStore, del, get, set, type UseStore } from "idb-keyval";

/**
 * Keys the browser made for requests that wait for approval, kept in IndexedDB until the
 * certificate is issued: only as encrypted PKCS#8 (the passphrase the user chose, never
 * stored), keyed by the certificate's id, so the certificate page can offer the PKCS#12.
 */
export type KeptKey = { encryptedKeyPem: string; commonName: string; savedAt: string };

let store: UseStore | null = null;
const keys = () => (store ??= createStore("rookery-pki", "pending-keys"));

/** False when the browser has no usable IndexedDB (some private windows). */
export async function keepKey(certId: string, key: KeptKey): Promise<boolean> {
  try {
    await set(certId, key, keys());
    return (await get<KeptKey>(certId, keys()))?.encryptedKeyPem === key.encryptedKeyPem;
  } catch {
    return false;
  }
}

export async function keptKey(certId: string): Promise<KeptKey | null> {
  try {
    return (await get<KeptKey>(certId, keys())) ?? null;
  } catch {
    return null;
  }
}

export async function forgetKey(certId: string): Promise<void> {
  await del(certId, keys());
}
