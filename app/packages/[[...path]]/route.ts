import { actorFromAuthorizationHeader } from "@/server/auth/credentials";
import { can, type Actor } from "@/server/auth/policy";
import { serveBinhost } from "@/server/farm/serve";
import { plainRoute } from "@/server/security/errors";
import { clientAddress } from "@/server/security/front-door";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path?: string[] }> };

/** The binhost under `next dev`; `npm start` serves /packages ahead of Next (scripts/start.ts). */
async function handler(req: Request, { params }: Params) {
  const anonymous: Actor = { kind: "anonymous" };
  const header = req.headers.get("authorization");
  // a user's token or a running job's ROOKERY_JOB_TOKEN, when the binhost is not public
  const actor: Actor = (!can(anonymous, "farm:binhost") && header ? await actorFromAuthorizationHeader(header, clientAddress(req.headers)) : null) ?? anonymous;
  const segments = ((await params).path ?? []).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return "\0";
    }
  });
  return serveBinhost(req, actor, segments);
}

const route = plainRoute(handler);
export { route as GET, route as HEAD };
