import { handlePki } from "@/server/pki/http";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path: string[] }> };

async function handler(req: Request, { params }: Params) {
  return handlePki(req, (await params).path);
}

export { handler as GET, handler as HEAD, handler as POST };
