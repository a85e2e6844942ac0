/**
 * The few DER pieces written or read by hand where the ASN.1 library is too slow (CRL
 * entries by the hundred thousand) or too heavy (one string value): a TLV writer, the
 * header reader, and the children of a constructed value.
 */
export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const length = content.reduce((n, c) => n + c.length, 0);
  return Buffer.concat([Buffer.from([tag]), lengthDer(length), ...content]);
}

function lengthDer(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Where the value at `at` starts (after tag and length) and where it ends. */
export function header(der: Uint8Array, at: number) {
  let length = der[at + 1];
  let contentStart = at + 2;
  if (length & 0x80) {
    const k = length & 0x7f;
    length = 0;
    for (let i = 0; i < k; i++) length = length * 256 + der[at + 2 + i];
    contentStart += k;
  }
  return { contentStart, end: contentStart + length };
}

/** The complete TLVs (header included) inside a constructed DER value. */
export function childrenOf(der: Buffer): Buffer[] {
  const outer = header(der, 0);
  const out: Buffer[] = [];
  for (let at = outer.contentStart; at < outer.end;) {
    const h = header(der, at);
    out.push(der.subarray(at, h.end));
    at = h.end;
  }
  return out;
}
