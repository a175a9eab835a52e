/** Exit codes of `recon`: documented in the README and in `recon --help`. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A failure the user can act on: printed as one sentence, without a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}
