import { handlePuppetCa } from "@/server/pki/puppet";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path: string[] }> };

async function handler(req: Request, { params }: Params) {
  return handlePuppetCa(req, (await params).path);
}

export { handler as GET, handler as PUT, handler as POST, handler as DELETE };
