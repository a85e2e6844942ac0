import { actorFromAuthorizationHeader } from "@/server/auth/credentials";
import { can, type Actor } from "@/server/auth/policy";
import { serveStages } from "@/server/farm/stages-serve";
import { plainRoute } from "@/server/security/errors";
import { clientAddress } from "@/server/security/front-door";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path?: string[] }> };

/** Published stages (server/farm/stages-serve.ts): anonymous like the binhost unless the policy says otherwise. */
async function handler(req: Request, { params }: Params) {
  const anonymous: Actor = { kind: "anonymous" };
  const header = req.headers.get("authorization");
  const actor: Actor = (!can(anonymous, "farm:stages") && header ? await actorFromAuthorizationHeader(header, clientAddress(req.headers)) : null) ?? anonymous;
  const segments = ((await params).path ?? []).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return "\0";
    }
  });
  return serveStages(req, actor, segments);
}

const route = plainRoute(handler);
export { route as GET, route as HEAD };
