import { handlePuppetCa } from "@/server/pki/puppet";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path: string[] }> };

async function handler(req: Request, { params }: Params) {
  return handlePuppetCa(req, (await params).path);
}

const route = plainRoute(handler);
export { route as GET, route as PUT, route as POST, route as DELETE };
