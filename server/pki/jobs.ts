import path from "node:path";
import type { Db } from "@/db/client";
import { getConfig } from "@/server/config";
import { refreshDueCrls } from "./ca";
import { OCSP_REFRESH_BATCH, refreshOcspCache } from "./certs";
import { warnExpiring, warnStaleCrls } from "./notices";
import { renewDevOfflineCrls } from "./offline";

/**
 * Hourly: re-sign sub-CA CRLs before their nextUpdate (and a demo instance's root and level-1
 * CRLs, whose keys pki:dev-bootstrap left in DATA_DIR/pki-offline) and OCSP answers past half
 * their validity; expiry and stale-CRL warnings.
 */
export async function pkiRefreshJob(db: Db) {
  const crls = (await refreshDueCrls(db)) + (await renewDevOfflineCrls(db, path.join(getConfig().dataDir, "pki-offline"))).length;
  let ocsp = 0;
  for (let n = OCSP_REFRESH_BATCH; n === OCSP_REFRESH_BATCH; ocsp += n) n = await refreshOcspCache(db);
  const expiryWarnings = await warnExpiring(db);
  const staleCrlWarnings = await warnStaleCrls(db);
  return { crls, ocsp, expiryWarnings, staleCrlWarnings };
}
