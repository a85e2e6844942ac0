import { createHash } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  BasicOCSPResponse,
  CertID,
  CertStatus,
  id_pkix_ocsp_basic,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
} from "@peculiar/asn1-ocsp";
import { AlgorithmIdentifier, Certificate, CRLReason, Extension, Name, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import * as x509 from "./lib";
import { normalizeSerial, revocationReasons, serialForDer, signWithKey, type RevocationReason, type Signer } from "./x509";

/** Pre-signed responses are valid this long and refreshed by the worker (and on revocation). */
export const OCSP_VALIDITY_MS = 24 * 3600_000;

export type OcspStatus = { kind: "good" } | { kind: "revoked"; at: Date; reason: RevocationReason } | { kind: "unknown" };

const SHA1 = "1.3.14.3.2.26";
const hashNames: Record<string, string> = {
  [SHA1]: "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

export type Issuer = { cert: x509.X509Certificate; signer: Signer };

/** The issuer's name and key hashed as a CertID with the given algorithm. */
export function certIdFor(issuer: x509.X509Certificate, serial: string, hashOid = SHA1): CertID {
  const hash = (b: ArrayBuffer) => createHash(hashNames[hashOid]).update(Buffer.from(b)).digest();
  const spki = AsnConvert.parse(issuer.publicKey.rawData, SubjectPublicKeyInfo);
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: hashOid, parameters: null }),
    issuerNameHash: new OctetString(hash(issuer.subjectName.toArrayBuffer())),
    issuerKeyHash: new OctetString(hash(spki.subjectPublicKey)),
    serialNumber: new Uint8Array(Buffer.from(serialForDer(serial), "hex")).buffer,
  });
}

const signatureOids = { rsa: "1.2.840.113549.1.1.11", "SHA-256": "1.2.840.10045.4.3.2", "SHA-384": "1.2.840.10045.4.3.3" };

/**
 * A signed OCSPResponse (DER) for one certificate, signed by its issuing CA. The CA's own
 * certificate rides in `certs`: OpenSSL 3.0.22 and later no longer take the signer from
 * `-issuer`, so a response without it fails with "signer certificate not found".
 */
export async function signOcspResponse(
  issuer: Issuer,
  certId: CertID,
  status: OcspStatus,
  now = new Date(),
  nonce: ArrayBuffer | null = null,
): Promise<Buffer> {
  const certStatus =
    status.kind === "good" ? new CertStatus({ good: null })
    : status.kind === "revoked" ?
      new CertStatus({ revoked: new RevokedInfo({ revocationTime: status.at, revocationReason: new CRLReason(revocationReasons[status.reason]) }) })
    : new CertStatus({ unknown: null });
  const tbs = new ResponseData({
    responderID: new ResponderID({ byName: AsnConvert.parse(issuer.cert.subjectName.toArrayBuffer(), Name) }),
    producedAt: now,
    responses: [new SingleResponse({ certID: certId, certStatus, thisUpdate: now, nextUpdate: new Date(now.getTime() + OCSP_VALIDITY_MS) })],
    // RFC 8954: the nonce extension comes back exactly as the client sent it.
    responseExtensions: nonce ? [new Extension({ extnID: OCSP_NONCE, critical: false, extnValue: new OctetString(nonce) })] : undefined,
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const ec = issuer.signer.algorithm.name === "ECDSA";
  const signature = signWithKey(issuer.signer, tbsDer);
  const signatureAlgorithm =
    ec ?
      new AlgorithmIdentifier({ algorithm: signatureOids[issuer.signer.algorithm.hash] })
    : new AlgorithmIdentifier({ algorithm: signatureOids.rsa, parameters: null });
  const certs = [AsnConvert.parse(issuer.cert.rawData, Certificate)];
  const basic = new BasicOCSPResponse({ tbsResponseData: tbs, signatureAlgorithm, signature: new Uint8Array(signature).buffer, certs });
  const response = new OCSPResponse({
    responseStatus: OCSPResponseStatus.successful,
    responseBytes: new ResponseBytes({ responseType: id_pkix_ocsp_basic, response: new OctetString(AsnConvert.serialize(basic)) }),
  });
  return Buffer.from(AsnConvert.serialize(response));
}

export function errorResponse(status: "malformedRequest" | "internalError" | "unauthorized" | "tryLater"): Buffer {
  return Buffer.from(AsnConvert.serialize(new OCSPResponse({ responseStatus: OCSPResponseStatus[status] })));
}

const OCSP_NONCE = "1.3.6.1.5.5.7.48.1.2";

/**
 * `extensions`: the request carries some (a nonce, usually), so the same bytes will not come again.
 * `nonce`: the value of its nonce extension, as sent.
 */
export type ParsedRequest = {
  certId: CertID;
  serial: string;
  hashOid: string;
  issuerNameHash: string;
  issuerKeyHash: string;
  extensions: boolean;
  nonce: ArrayBuffer | null;
};

/** The first CertID of a DER OCSPRequest, or null when it is not one. */
export function parseOcspRequest(der: Uint8Array): ParsedRequest | null {
  try {
    const req = AsnConvert.parse(der, OCSPRequest);
    const first = req.tbsRequest.requestList[0];
    if (!first) return null;
    const id = first.reqCert;
    const hashOid = id.hashAlgorithm.algorithm;
    if (!hashNames[hashOid]) return null;
    return {
      certId: id,
      serial: normalizeSerial(Buffer.from(id.serialNumber).toString("hex")),
      hashOid,
      issuerNameHash: Buffer.from(id.issuerNameHash.buffer).toString("hex"),
      issuerKeyHash: Buffer.from(id.issuerKeyHash.buffer).toString("hex"),
      extensions: !!req.tbsRequest.requestExtensions?.length,
      nonce: req.tbsRequest.requestExtensions?.find((e) => e.extnID === OCSP_NONCE)?.extnValue.buffer ?? null,
    };
  } catch {
    return null;
  }
}

export function hashHex(oid: string, data: ArrayBuffer): string {
  return createHash(hashNames[oid]).update(Buffer.from(data)).digest("hex");
}

export { SHA1 };
