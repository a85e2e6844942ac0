import { randomBytes } from "node:crypto";

/**
 * Unexpected errors never reach a client: the client gets a generic text with a request id,
 * the server log gets the detail under the same id.
 */
export function newRequestId(): string {
  return randomBytes(6).toString("hex");
}

export function internalErrorMessage(requestId: string): string {
  return `Something went wrong on our side (request id ${requestId}). An administrator can find the details in the server log.`;
}

export function logInternalError(requestId: string, where: string, error: unknown) {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`[error ${requestId}] ${where}: ${detail}`);
}

/** A 500 for plain routes: generic JSON body, detail logged. */
export function internalErrorResponse(where: string, error: unknown): Response {
  const id = newRequestId();
  logInternalError(id, where, error);
  return Response.json({ message: internalErrorMessage(id), requestId: id }, { status: 500, headers: { "cache-control": "no-store" } });
}

/** Wraps a plain route handler: an unexpected error answers a generic 500 with a request id. */
export function plainRoute<A extends unknown[]>(handler: (req: Request, ...rest: A) => Promise<Response> | Response) {
  return async (req: Request, ...rest: A): Promise<Response> => {
    try {
      return await handler(req, ...rest);
    } catch (e) {
      return internalErrorResponse(`${req.method} ${new URL(req.url).pathname}`, e);
    }
  };
}
