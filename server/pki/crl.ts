import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { CRLNumber, CRLReason, Extension, Extensions, id_ce_cRLNumber, id_ce_cRLReasons } from "@peculiar/asn1-x509";
import { childrenOf, tlv } from "./der";
import * as x509 from "./lib";
import { normalizeSerial, revocationReasons, serialForDer, signWithKey, toPem, type RevocationReason, type Signer } from "./x509";

/**
 * CRLs of any size in a few seconds. @peculiar/x509's generator checks each entry against
 * all earlier ones and asn1-schema serializes some 25,000 entries a second, so a CRL of
 * 100,000 entries took minutes. Here the library builds and signs the CRL's frame (issuer,
 * dates, extensions) and the per-reason entry extensions; the entries themselves are
 * written as plain DER, spliced into the TBSCertList, and the result is signed again. Serials are unique already (the database's primary data).
 */
export type CrlEntry = { serial: string; revokedAt: Date; reason: RevocationReason };
export type SignedCrl = { der: Buffer; pem: string; thisUpdate: Date; nextUpdate: Date };

export async function createCrl(opts: {
  issuer: x509.X509Certificate;
  signer: Signer;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: CrlEntry[];
}): Promise<SignedCrl> {
  const frame = await x509.X509CrlGenerator.create({
    issuer: opts.issuer.subjectName,
    thisUpdate: opts.thisUpdate,
    nextUpdate: opts.nextUpdate,
    signingKey: opts.signer.privateKey,
    signingAlgorithm: opts.signer.signingAlgorithm,
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(opts.issuer),
      new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(opts.crlNumber))),
    ],
    entries: [],
  });
  const base = { thisUpdate: opts.thisUpdate, nextUpdate: opts.nextUpdate };
  if (opts.entries.length === 0) {
    const der = Buffer.from(frame.rawData);
    return { der, pem: toPem(der, "X509 CRL"), ...base };
  }

  const [tbs, signatureAlgorithm] = childrenOf(Buffer.from(frame.rawData));
  const tbsParts = childrenOf(tbs);
  const extensionsAt = tbsParts.findIndex((p) => p[0] === 0xa0);
  const revoked = tlv(0x30, ...opts.entries.map(entryDer));
  const newTbs = tlv(0x30, ...tbsParts.slice(0, extensionsAt), revoked, ...tbsParts.slice(extensionsAt));
  const signature = signWithKey(opts.signer, newTbs);
  const der = tlv(0x30, newTbs, signatureAlgorithm, tlv(0x03, Buffer.from([0]), signature));
  return { der, pem: toPem(der, "X509 CRL"), ...base };
}

/** One revokedCertificates entry: SEQUENCE { serial, revocationDate, [reasonCode extension] }. */
function entryDer(e: CrlEntry): Buffer {
  return tlv(0x30, tlv(0x02, Buffer.from(serialForDer(normalizeSerial(e.serial)), "hex")), timeDer(e.revokedAt), reasonExtension(e.reason));
}

const reasonExtensions = new Map<RevocationReason, Buffer>();
/** crlEntryExtensions with the reason code; none for "unspecified" (RFC 5280 5.3.1 SHOULD). */
function reasonExtension(reason: RevocationReason): Buffer {
  if (reason === "unspecified") return Buffer.alloc(0);
  let der = reasonExtensions.get(reason);
  if (!der) {
    const ext = new Extension({
      extnID: id_ce_cRLReasons,
      critical: false,
      extnValue: new OctetString(AsnConvert.serialize(new CRLReason(revocationReasons[reason]))),
    });
    der = Buffer.from(AsnConvert.serialize(new Extensions([ext])));
    reasonExtensions.set(reason, der);
  }
  return der;
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on. */
function timeDer(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-11-25T19:29:28.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z"; // 20261125192928Z
  const year = d.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), "latin1")) : tlv(0x18, Buffer.from(digits, "latin1"));
}
