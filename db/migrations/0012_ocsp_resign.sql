-- Stored OCSP answers signed before responses carried the signer's certificate fail with
-- OpenSSL >= 3.0.22 ("signer certificate not found"): mark them due so the next PKI refresh re-signs them.
UPDATE "certificates" SET "ocsp_next_update" = now() WHERE "ocsp_response" IS NOT NULL;
