import { postBinhostPublication } from "@/server/farm/publish-api";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ environment: string; arch: string; profile: string }> };

export const POST = plainRoute(async (req: Request, { params }: Params) => {
  return postBinhostPublication(req, await params);
});
