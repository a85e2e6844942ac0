import { getSessionUser } from "@/server/auth/session";
import { handleDistfilesRequest } from "@/server/farm/distfiles-serve";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path?: string[] }> };

/** The distfiles mirror (server/farm/distfiles-serve.ts): GET/HEAD, and PUT of an org's private distfile. */
async function handler(req: Request, { params }: Params) {
  return handleDistfilesRequest(req, (await params).path ?? [], getSessionUser);
}

const route = plainRoute(handler);
export { route as GET, route as HEAD, route as PUT };
