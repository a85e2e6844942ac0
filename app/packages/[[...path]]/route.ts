import { actorFromUser, userFromAuthorizationHeader } from "@/server/auth/credentials";
import type { Actor } from "@/server/auth/policy";
import { serveBinhost } from "@/server/farm/serve";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path?: string[] }> };

async function handler(req: Request, { params }: Params) {
  const resolved = await userFromAuthorizationHeader(req.headers.get("authorization"));
  const actor: Actor = resolved ? actorFromUser(resolved.user, resolved.scope) : { kind: "anonymous" };
  const segments = ((await params).path ?? []).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return "\0";
    }
  });
  return serveBinhost(req, actor, segments);
}

export { handler as GET, handler as HEAD };
