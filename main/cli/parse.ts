/**
 * Small helpers for flag values: numbers with ranges, prompts with the IPC's length cap, text made
 * safe to print, and parseArgs errors as usage errors.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { SpireError } from '../../common/errors';
import { MAX_PROMPT_CHARS } from '../../common/restorationPrompt';

/** A whole number as people write it: digits, an optional sign (no 0x10, 1e2, 1.0, Infinity). */
const WHOLE = /^[+-]?\d+$/;
/** A decimal number: 0.5, .5, 2, 1e-3 (no hex, binary, octal or Infinity). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** `text` as a number in `range`; anything else is a usage error naming `flag` (a flag or an environment variable). */
export function number(flag: string, text: string, range: { integer?: boolean; min: number; max: number }): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  const shaped = range.integer ? WHOLE.test(trimmed) : DECIMAL.test(trimmed);
  if (!shaped || !Number.isFinite(value) || value < range.min || value > range.max)
    throw new SpireError('usage', `${flag} takes ${range.integer ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}, got "${printable(text, 40)}".`);
  return value;
}

/** A prompt flag's text, at most MAX_PROMPT_CHARS characters (the limit the app's IPC contract sets). */
export function promptText(flag: string, text: string): string {
  if (text.length > MAX_PROMPT_CHARS)
    throw new SpireError('usage', `${flag} is ${text.length} characters long; prompts may have at most ${MAX_PROMPT_CHARS}. Shorten it.`);
  return text;
}

/**
 * `text` safe to write to a terminal: control characters (ESC, BEL, CR, DEL, C1 ...) shown as
 * `\x1b`-style escapes, so a prompt cannot move the cursor or recolour the screen; longer than
 * `max` characters, cut with an ellipsis. Tabs and newlines are kept (messages may span lines).
 */
export function printable(text: string, max = Infinity): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max)}...` : escaped;
}

/** node:util parseArgs errors ("Unknown option '--x'") as a usage error pointing at --help. */
export function usageError(err: unknown, command: string): SpireError {
  const message = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
  return new SpireError('usage', `${printable(message, 200)}. See \`spire ${command} --help\`.`.replace(/\.\./g, '.'));
}

/**
 * Parses `spire <command>` flags strictly (positionals allowed); a parse error becomes a usage error.
 * A value that starts with a dash and a digit (`--seed -5`) is taken as the flag's value, so its
 * range check says what is wrong instead of parseArgs' "argument is ambiguous".
 */
export function parseCommandArgs<const T extends ParseArgsOptionsConfig>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), allowPositionals: true, strict: true, options });
  } catch (err) {
    throw usageError(err, command);
  }
}

/** `--flag -5` -> `--flag=-5` (and `-o -5` -> `-o=-5` style for short string options) before parseArgs sees it. */
function joinNegativeValues(argv: string[], options: ParseArgsOptionsConfig): string[] {
  const takesValue = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (o.short) takesValue.add(`-${o.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (takesValue.has(a) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(a.startsWith('--') ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}
