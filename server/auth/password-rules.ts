/** Every rule of passwordProblem() (password.ts) in one sentence, for the forms' hints. */
export const PASSWORD_RULES =
  "At least 12 characters, mixing letters with digits or symbols, not containing the username, and not mostly one repeated character.";
