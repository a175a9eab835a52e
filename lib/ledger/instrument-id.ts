/**
 * One stable id per broker instrument, shared by the ledger, exposure and market data, so that
 * records from different feeds join on the id rather than on free text.
 *
 * The id is a digest of the namespaced epic: the same epic always gives the same id, on every
 * machine and in every run, with no registry to consult. `GOLD`, `gold` and ` GOLD ` are one
 * instrument (epics are upper case on the wire; the other spellings come from people and config).
 */
import { createHash } from 'node:crypto';

export const INSTRUMENT_ID_PREFIX = 'ins_';
/** 16 hex chars = 64 bits: a collision among even a million epics is about 1 in 36 million. */
const DIGEST_HEX_CHARS = 16;
const EPIC_NAMESPACE = 'capital.com:epic:';

export class InstrumentIdError extends Error {
  override name = 'InstrumentIdError';
}

export function instrumentId(epic: string): string {
  const normalised = normaliseEpic(epic);
  const digest = createHash('sha256').update(EPIC_NAMESPACE + normalised, 'utf8').digest('hex');
  return INSTRUMENT_ID_PREFIX + digest.slice(0, DIGEST_HEX_CHARS);
}

/** The epic as the id sees it: trimmed and upper case. */
export function normaliseEpic(epic: string): string {
  if (typeof epic !== 'string') throw new InstrumentIdError(`epic must be text, got ${typeof epic}`);
  const normalised = epic.trim().toUpperCase();
  if (normalised === '') throw new InstrumentIdError('epic is empty');
  return normalised;
}

export function isInstrumentId(value: string): boolean {
  return /^ins_[0-9a-f]{16}$/.test(value);
}
