import { actorFromUser, userFromAuthorizationHeader } from "@/server/auth/credentials";
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
  const resolved = !can(anonymous, "farm:binhost") && header ? await userFromAuthorizationHeader(header, clientAddress(req.headers)) : null;
  const actor: Actor = resolved ? actorFromUser(resolved.user, resolved.scope) : anonymous;
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
