/** Small helpers for flag values: numbers with ranges, and parseArgs errors as usage errors. */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { SpireError } from '../../common/errors';

export function number(flag: string, text: string, range: { integer?: boolean; min: number; max: number }): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (range.integer && !Number.isInteger(value)) || value < range.min || value > range.max)
    throw new SpireError('usage', `${flag} takes ${range.integer ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}, got "${text}".`);
  return value;
}

/** node:util parseArgs errors ("Unknown option '--x'") as a usage error pointing at --help. */
export function usageError(err: unknown, command: string): SpireError {
  const message = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
  return new SpireError('usage', `${message}. See \`spire ${command} --help\`.`.replace(/\.\./g, '.'));
}

/** Parses `spire <command>` flags strictly (positionals allowed); a parse error becomes a usage error. */
export function parseCommandArgs<const T extends ParseArgsOptionsConfig>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw usageError(err, command);
  }
}
