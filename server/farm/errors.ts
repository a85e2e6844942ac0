import { InputError } from "@/server/errors";

/** A farm input problem a person can fix, tied to the form field it is about. */
export class FarmInputError extends InputError {}
