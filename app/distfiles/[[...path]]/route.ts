import { actorFromUser, userFromAuthorizationHeader } from "@/server/auth/credentials";
import type { Actor } from "@/server/auth/policy";
import { getSessionUser } from "@/server/auth/session";
import { serveDistfiles } from "@/server/farm/distfiles-serve";
import { plainRoute } from "@/server/security/errors";
import { clientAddress } from "@/server/security/front-door";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path?: string[] }> };

/**
 * The distfiles mirror (server/farm/distfiles-serve.ts). Machines authenticate with a token
 * (Basic or Bearer) for private distfiles; people's browsers with their session.
 */
async function handler(req: Request, { params }: Params) {
  const header = req.headers.get("authorization");
  let actor: Actor = { kind: "anonymous" };
  if (header) {
    const resolved = await userFromAuthorizationHeader(header, clientAddress(req.headers));
    if (!resolved) return new Response("Unknown credentials\n", { status: 401, headers: { "www-authenticate": 'Basic realm="Rookery", charset="UTF-8"' } });
    actor = actorFromUser(resolved.user, resolved.scope);
  } else {
    const user = await getSessionUser();
    if (user) actor = actorFromUser(user);
  }
  const segments = ((await params).path ?? []).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return "\0";
    }
  });
  return serveDistfiles(req, actor, segments);
}

const route = plainRoute(handler);
export { route as GET, route as HEAD, route as PUT };
