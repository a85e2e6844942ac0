import { InputError, NotFoundError, StateError } from "@/server/errors";

/** One problem in a file of the puppet repository, with where it is (1-based). */
export type FileProblem = { file: string; line: number; column?: number; message: string };

export function formatProblems(problems: FileProblem[]) {
  return problems
    .slice(0, 10)
    .map((p) => `${p.file}:${p.line}${p.column ? `:${p.column}` : ""}: ${p.message}`)
    .join("\n");
}

/** A file of the puppet repository the tinderbox cannot read: every problem as file:line:column. */
export class TinderboxFileError extends InputError {
  constructor(readonly problems: FileProblem[]) {
    super(null, formatProblems(problems));
  }
}

/** A module whose remote or ref cannot be resolved: the run fails naming it, nothing is pushed. */
export class ModuleResolveError extends StateError {
  constructor(
    readonly module: string,
    message: string,
  ) {
    super(`module ${module}: ${message}`);
  }
}

/** The run refuses to act (a human changed feature/tinderbox, another run is active…). */
export class TinderboxStateError extends StateError {}

export class TinderboxNotFoundError extends NotFoundError {}
