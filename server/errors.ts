/**
 * The one error hierarchy of the domains: a refusal a person can act on, with the HTTP
 * status it answers. Every domain error extends one of the base classes below, so tRPC
 * (server/api/trpc.ts), the runner protocol and the CLI map them by base class or status
 * instead of knowing each domain's errors. Anything else is an internal error.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input; `field` names the form field it is about, when there is one. */
export class InputError extends DomainError {
  readonly status: number = 400;

  constructor(
    readonly field: string | null,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class NotFoundError extends DomainError {
  readonly status: number = 404;
}

/** Someone else changed the object meanwhile (a moved branch, a lost lease). */
export class ConflictError extends DomainError {
  readonly status: number = 409;
}

/** The object is in the wrong state for this (merged, archived, already ended…). */
export class StateError extends DomainError {
  readonly status: number = 409;
}

/** Unknown, revoked or wrong credentials. */
export class CredentialsError extends DomainError {
  readonly status: number = 401;
}

/** The HTTP status an error answers: a domain error's own, 500 for anything else. */
export function httpStatusOf(error: unknown): number {
  return error instanceof DomainError ? error.status : 500;
}

/**
 * An input or state refusal shown next to `field` of a form that names it differently
 * from the domain (or has a single field); any other error is returned unchanged.
 */
export function asField(error: unknown, field: string): unknown {
  if (error instanceof InputError || error instanceof StateError) return new InputError(field, error.message, { cause: error });
  return error;
}
