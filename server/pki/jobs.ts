import type { Db } from "@/db/client";
import { refreshDueCrls } from "./ca";
import { OCSP_REFRESH_BATCH, refreshOcspCache } from "./certs";
import { warnExpiring } from "./notices";

/** Hourly: re-sign sub-CA CRLs before their nextUpdate and OCSP answers past half their validity; expiry warnings. */
export async function pkiRefreshJob(db: Db) {
  const crls = await refreshDueCrls(db);
  let ocsp = 0;
  for (let n = OCSP_REFRESH_BATCH; n === OCSP_REFRESH_BATCH; ocsp += n) n = await refreshOcspCache(db);
  const expiryWarnings = await warnExpiring(db);
  return { crls, ocsp, expiryWarnings };
}
