// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata
// polyfill loaded first: every PKI module imports x509 from here, never directly.
import "reflect-metadata";
export * from "@peculiar/x509";
