/**
 * Restoration prompts: parse, validate and format SPIRE's restoration prompt grammar.
 *
 * The grammar is data (assets/restoration-grammar.json), shared with the Python tooling
 * (models/spire/prompts.py); the rules are written out in models/DATA.md section 1 and
 * this file follows them step by step, so Python and TypeScript agree on every prompt
 * (checked against prompts.py by test/unit/common/restorationPrompt.test.ts).
 *
 * A restoration prompt is one of
 *   - the blind prompt `Remove all degradation`,
 *   - the auto prompt `auto`: the degradation estimator reads blur, noise and JPEG from the photo
 *     and writes those clauses (resolveAutoPrompt); alone, or with the output size
 *     `auto; Upsample to 2.0x;`,
 *   - the empty prompt `""` (no degradation),
 *   - up to four clauses, one per operation, each ending in `;`:
 *       `Deblur with sigma 2.0; Upsample to 4.0x; Denoise with sigma 0.05; Dejpeg with quality 40;`
 *     a clause may name its operation without a number (`Deblur;`).
 *
 * Python names -> here:  parse -> parseRestorationPrompt, format_prompt -> formatRestorationPrompt,
 * PromptError -> RestorationPromptError, RestorationPrompt.of -> restorationPromptOf.
 */
import GRAMMAR_JSON from '../assets/restoration-grammar.json';
import { PY_WHITESPACE_CLASS } from './pythonText';

export interface OperationSpec {
  /** Internal name of the degradation: blur, downsample, noise, jpeg. */
  key: string;
  /** Word that starts the clause: Deblur, Upsample, Denoise, Dejpeg. */
  name: string;
  /** Parameter name: sigma, factor, sigma, quality. */
  param: string;
  /** Clause text without ';', with `{value}` for the number. */
  template: string;
  /** Smallest allowed value (inclusive). */
  min: number;
  /** Largest allowed value (inclusive). */
  max: number;
  /** Digits after the decimal point in canonical text. */
  decimals: number;
  description: string;
}

export interface Grammar {
  version: number;
  blindPrompt: string;
  /** `auto`: the estimator writes the clauses (only `Upsample to Kx` may be given with it). */
  autoPrompt: string;
  terminator: string;
  separator: string;
  /** Longest prompt text accepted, characters (the IPC limit; the CLI and the engine hold to it too). */
  maxChars: number;
  /** In canonical order. */
  operations: readonly OperationSpec[];
}

/** One clause: an operation key and its value (null when the prompt gives no number). */
export interface RestorationOperation {
  key: string;
  value: number | null;
}

export interface RestorationPrompt {
  /** Canonical order, each key at most once; empty for the blind and the empty prompt. */
  operations: RestorationOperation[];
  blind: boolean;
  /** The auto prompt: blur, noise and JPEG are read from the photo (resolveAutoPrompt); `operations` holds at most the output size. */
  auto: boolean;
  /** Canonical text (formatRestorationPrompt of this prompt). */
  text: string;
}

/** A restoration prompt that does not follow the grammar; `part` is the offending clause (or ""). */
export class RestorationPromptError extends Error {
  constructor(
    message: string,
    readonly part: string = '',
  ) {
    super(message);
    this.name = 'RestorationPromptError';
  }
}

function loadGrammar(raw: typeof GRAMMAR_JSON): Grammar {
  const operations = raw.operations.map((o) => ({
    key: o.key,
    name: o.name,
    param: o.param,
    template: o.template,
    min: Number(o.min),
    max: Number(o.max),
    decimals: Number(o.decimals),
    description: o.description ?? '',
  }));
  for (const op of operations) {
    if (!op.template.includes('{value}')) throw new Error(`grammar template "${op.template}" has no {value} placeholder`);
  }
  return {
    version: raw.version,
    blindPrompt: raw.blindPrompt,
    autoPrompt: raw.autoPrompt,
    terminator: raw.clauseTerminator ?? ';',
    separator: raw.clauseSeparator ?? ' ',
    maxChars: Number(raw.maxChars ?? 2000),
    operations,
  };
}

/** The repository grammar (assets/restoration-grammar.json). */
export const RESTORATION_GRAMMAR: Grammar = loadGrammar(GRAMMAR_JSON);

/** Longest restoration prompt accepted anywhere (IPC, CLI, engine), characters: the grammar's `maxChars`. */
export const MAX_PROMPT_CHARS = RESTORATION_GRAMMAR.maxChars;

const WS = `[${PY_WHITESPACE_CLASS}]`;
const IS_WS = new RegExp(`^${WS}$`);
/** Python's `[+-]?(\d+(\.\d*)?|\.\d+)`, ASCII digits (Python's \d would also take other Unicode digits). */
const NUMBER = '([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))';

// Whitespace handling is written as loops, not regexes: `\s+$` and `\s*\s*$` backtrack
// quadratically on a long run of spaces followed by anything else (60,000 spaces: 31 s).
const isSpace = (ch: string): boolean => IS_WS.test(ch);

/** Python's str.split(): the words between whitespace runs. */
const pyWords = (text: string): string[] => {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const space = i === text.length || isSpace(text[i] as string);
    if (space && start >= 0) {
      words.push(text.slice(start, i));
      start = -1;
    } else if (!space && start < 0) start = i;
  }
  return words;
};
/** Python's str.strip(). */
const pyStrip = (text: string): string => {
  let a = 0;
  let b = text.length;
  while (a < b && isSpace(text[a] as string)) a++;
  while (b > a && isSpace(text[b - 1] as string)) b--;
  return text.slice(a, b);
};
/** Python's " ".join(text.split()): every whitespace run one space, none at the ends. */
const squash = (text: string): string => pyWords(text).join(' ');
const norm = (text: string): string => squash(text).toLowerCase();

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * Regex for one clause, matched against the squashed clause (every whitespace run one space, none at
 * the ends): template words separated by one space, an optional space around the number. On squashed
 * text this accepts exactly what `^\s*before\s*NUMBER\s*after\s*$` accepts on the clause, in linear time.
 */
function templateRegex(template: string): RegExp {
  const at = template.indexOf('{value}');
  const words = (text: string): string => pyWords(text).map(escapeRegex).join(' ');
  const before = words(template.slice(0, at));
  const after = words(template.slice(at + '{value}'.length));
  return new RegExp(`^${before} ?${NUMBER}${after ? ` ?${after}` : ''}$`, 'iu');
}

const CLAUSE_REGEX = new Map(RESTORATION_GRAMMAR.operations.map((op) => [op.key, templateRegex(op.template)]));

function specOf(key: string, grammar: Grammar = RESTORATION_GRAMMAR): OperationSpec {
  const spec = grammar.operations.find((op) => op.key === key);
  if (!spec) {
    throw new RestorationPromptError(
      `unknown operation key '${key}'; allowed: ${grammar.operations.map((o) => o.key).join(', ')}`,
      key,
    );
  }
  return spec;
}

/** `value` printed with exactly `decimals` digits (Python's f"{value:.{decimals}f}", -0 keeps its sign). */
export function formatValue(spec: OperationSpec, value: number): string {
  const text = value.toFixed(spec.decimals);
  return Object.is(value, -0) || (value < 0 && !text.startsWith('-')) ? `-${text}` : text;
}

function rangeText(spec: OperationSpec): string {
  return `${formatValue(spec, spec.min)} to ${formatValue(spec, spec.max)}`;
}

function example(spec: OperationSpec): string {
  return spec.template.replace('{value}', `<${spec.param}>`);
}

/** DATA.md rule 6: at most `decimals` significant fraction digits, then the range. */
function parseNumber(spec: OperationSpec, raw: string, clause: string): number {
  const fraction = raw.includes('.') ? raw.slice(raw.indexOf('.') + 1).replace(/0+$/, '') : '';
  if (fraction.length > spec.decimals) {
    const unit = spec.decimals === 0 ? 'a whole number' : `at most ${spec.decimals} decimal${spec.decimals > 1 ? 's' : ''}`;
    throw new RestorationPromptError(`'${clause}': ${spec.name} ${spec.param} takes ${unit}, got ${raw}`, clause);
  }
  const value = Number(raw.endsWith('.') ? raw.slice(0, -1) : raw);
  if (!(spec.min <= value && value <= spec.max)) {
    throw new RestorationPromptError(
      `'${clause}': ${spec.name} ${spec.param} ${raw} is out of range: allowed ${rangeText(spec)}`,
      clause,
    );
  }
  return value;
}

/**
 * Parses a restoration prompt (DATA.md section 1, "Parsing"). Tolerates case, extra
 * spaces, a missing final `;` and clauses in any order; throws RestorationPromptError
 * naming the offending part and the allowed range.
 */
export function parseRestorationPrompt(text: string): RestorationPrompt {
  if (typeof text !== 'string') {
    throw new RestorationPromptError(`a restoration prompt must be text, got ${typeof text}`);
  }
  const g = RESTORATION_GRAMMAR;
  if (text.length > g.maxChars) {
    throw new RestorationPromptError(
      `a restoration prompt is at most ${g.maxChars} characters, got ${text.length}; ` +
        `write at most one clause per operation (e.g. '${example(g.operations[0] as OperationSpec)};')`,
    );
  }
  const blind = norm(g.blindPrompt);
  // 1. Split on ';', trim, drop empty parts.
  const clauses = text
    .split(g.terminator)
    .map(pyStrip)
    .filter((c) => c.length > 0);
  if (clauses.length === 0) return makePrompt([], false);
  // 2. The blind prompt, alone.
  if (clauses.length === 1 && norm(clauses[0] as string) === blind) return makePrompt([], true);
  // 3. The auto prompt, first (then at most the output size).
  const autoWord = norm(g.autoPrompt);
  const auto = norm(clauses[0] as string) === autoWord;
  if (auto) clauses.shift();

  const byName = new Map(g.operations.map((op) => [op.name.toLowerCase(), op]));
  const found = new Map<string, number | null>();
  for (const clause of clauses) {
    if (norm(clause) === blind) {
      throw new RestorationPromptError(`'${g.blindPrompt}' cannot be combined with other operations`, clause);
    }
    if (norm(clause) === autoWord) {
      throw new RestorationPromptError(`'${g.autoPrompt}' comes first and once (e.g. '${g.autoPrompt}; ${example(specOf('downsample'))};')`, clause);
    }
    // 4. The first word's leading ASCII letters name the operation.
    const first = pyWords(clause)[0] ?? '';
    const letters = /^[A-Za-z]+/.exec(first);
    const spec = letters ? byName.get(letters[0].toLowerCase()) : undefined;
    if (!spec) {
      const firstSpec = g.operations[0] as OperationSpec;
      throw new RestorationPromptError(
        `unknown operation '${first}' in '${clause}'; allowed: ${g.operations.map((o) => o.name).join(', ')} ` +
          `(e.g. '${example(firstSpec)};'), the blind prompt '${g.blindPrompt}' or '${g.autoPrompt}'`,
        clause,
      );
    }
    if (auto && !AUTO_COMBINES_WITH.includes(spec.key)) throw autoError(clause);
    // 5. Each operation once.
    if (found.has(spec.key)) {
      throw new RestorationPromptError(`'${clause}': ${spec.name} is given twice; each operation may appear once`, clause);
    }
    // 6. The name alone, or the full template.
    if (norm(clause) === spec.name.toLowerCase()) {
      found.set(spec.key, null);
      continue;
    }
    const match = (CLAUSE_REGEX.get(spec.key) as RegExp).exec(squash(clause));
    if (!match) {
      throw new RestorationPromptError(
        `malformed clause '${clause}': expected '${example(spec)};' with ${spec.param} in ${rangeText(spec)}, or '${spec.name};'`,
        clause,
      );
    }
    // 7. Decimals and range.
    found.set(spec.key, parseNumber(spec, match[1] as string, clause));
  }
  // 8. Canonical order.
  const operations = g.operations.filter((op) => found.has(op.key)).map((op) => ({ key: op.key, value: found.get(op.key) ?? null }));
  return makePrompt(operations, false, auto);
}

/** Operations that may follow `auto`: the output size stays the user's choice; the estimator reads the rest. */
export const AUTO_COMBINES_WITH: readonly string[] = ['downsample'];

function autoError(part = ''): RestorationPromptError {
  const g = RESTORATION_GRAMMAR;
  const sizes = AUTO_COMBINES_WITH.map((k) => `'${specOf(k).name}'`).join(', ');
  return new RestorationPromptError(
    `'${g.autoPrompt}' reads blur, noise and JPEG from the photo itself: it can only be combined with ${sizes} ` +
      `(the output size, e.g. '${g.autoPrompt}; ${example(specOf('downsample'))};'); ` +
      `write the clauses yourself instead of '${g.autoPrompt}' to name other operations`,
    part,
  );
}

function validate(operations: readonly RestorationOperation[], blind: boolean, auto: boolean): void {
  const g = RESTORATION_GRAMMAR;
  if (blind && operations.length > 0) {
    throw new RestorationPromptError(`'${g.blindPrompt}' cannot be combined with other operations`);
  }
  if (blind && auto) throw new RestorationPromptError(`'${g.blindPrompt}' cannot be combined with '${g.autoPrompt}'`);
  if (auto && operations.some((op) => !AUTO_COMBINES_WITH.includes(op.key))) throw autoError();
  let last = -1;
  for (const op of operations) {
    const index = g.operations.findIndex((s) => s.key === op.key);
    const spec = specOf(op.key);
    if (index <= last) {
      throw new RestorationPromptError(
        `operations must be unique and in canonical order (${g.operations.map((o) => o.key).join(', ')}); got ${operations.map((o) => o.key).join(', ')}`,
      );
    }
    last = index;
    if (op.value !== null && !(spec.min <= op.value && op.value <= spec.max)) {
      throw new RestorationPromptError(
        `${spec.name} ${spec.param} ${op.value} is out of range: allowed ${rangeText(spec)}`,
        spec.name,
      );
    }
  }
}

function makePrompt(operations: RestorationOperation[], blind: boolean, auto = false): RestorationPrompt {
  validate(operations, blind, auto);
  const prompt = { operations, blind, auto, text: '' };
  prompt.text = formatRestorationPrompt(prompt);
  return prompt;
}

/** Canonical text of one clause, with its terminator (`Deblur with sigma 2.0;`). */
export function formatOperation(op: RestorationOperation): string {
  const spec = specOf(op.key);
  const body = op.value === null ? spec.name : spec.template.replace('{value}', formatValue(spec, op.value));
  return body + RESTORATION_GRAMMAR.terminator;
}

/**
 * Canonical text: the blind prompt, "" for no operation, else the clauses joined by one space;
 * the auto prompt alone is `auto`, with clauses `auto; Upsample to 2.0x;`.
 */
export function formatRestorationPrompt(prompt: Pick<RestorationPrompt, 'operations' | 'blind'> & { auto?: boolean }): string {
  const g = RESTORATION_GRAMMAR;
  if (prompt.blind) return g.blindPrompt;
  const clauses = prompt.operations.map(formatOperation);
  if (prompt.auto) return clauses.length > 0 ? [g.autoPrompt + g.terminator, ...clauses].join(g.separator) : g.autoPrompt;
  return clauses.join(g.separator);
}

/** `formatRestorationPrompt(parseRestorationPrompt(text))`. */
export function canonicalRestorationPrompt(text: string): string {
  return parseRestorationPrompt(text).text;
}

/**
 * Builds a prompt from `{key: value | null}` in any order (Python's RestorationPrompt.of);
 * values are rounded to the grammar's grid, then validated.
 */
export function restorationPromptOf(values: Readonly<Record<string, number | null>>, blind = false): RestorationPrompt {
  const g = RESTORATION_GRAMMAR;
  const unknown = Object.keys(values).filter((k) => !g.operations.some((op) => op.key === k));
  if (unknown.length > 0) {
    throw new RestorationPromptError(`unknown operation key(s) ${unknown.sort().join(', ')}; allowed: ${g.operations.map((o) => o.key).join(', ')}`);
  }
  const operations = g.operations
    .filter((op) => op.key in values)
    .map((op) => {
      const v = values[op.key];
      return { key: op.key, value: v === null || v === undefined ? null : Number(v.toFixed(op.decimals)) };
    });
  return makePrompt(operations, blind);
}

/**
 * The output/input size ratio the prompt asks for: the `Upsample to Kx` factor, 1 when the
 * prompt has no Upsample clause or gives no number (`Upsample;`: the input is taken to be
 * at output size already).
 */
export function upsampleFactor(prompt: Pick<RestorationPrompt, 'operations'>): number {
  const op = prompt.operations.find((o) => o.key === 'downsample');
  return op && op.value !== null ? op.value : 1;
}

/** K, the length of degradationVector: three numbers per operation plus the blind flag. */
export const DEGRADATION_VECTOR_SIZE = 3 * RESTORATION_GRAMMAR.operations.length + 1;

/**
 * The parsed restoration prompt as numbers, the restorer's optional `degradation` input [K]
 * (models/spire/prompts.py degradation_vector computes the same; the prompt golden checks both):
 * per operation in canonical order [named, valued, (value - min) / (max - min)] ([0, 0, 0] when
 * not named, last entry 0 when named without a number), then 1 for the blind prompt.
 */
export function degradationVector(prompt: Pick<RestorationPrompt, 'operations' | 'blind'> & { auto?: boolean }): number[] {
  if (prompt.auto) {
    throw new RestorationPromptError(`'${formatRestorationPrompt(prompt)}' is resolved by the degradation estimator first (resolveAutoPrompt): it has no numbers of its own`);
  }
  const out: number[] = [];
  for (const spec of RESTORATION_GRAMMAR.operations) {
    const op = prompt.operations.find((o) => o.key === spec.key);
    if (!op) out.push(0, 0, 0);
    else if (op.value === null) out.push(1, 0, 0);
    else out.push(1, 1, (op.value - spec.min) / (spec.max - spec.min));
  }
  out.push(prompt.blind ? 1 : 0);
  return out;
}

/**
 * The prompt an `auto` request runs with (Python's resolve_auto): the estimator's clauses (read at the
 * input's size) plus the requested output size. With `Upsample to Kx` the estimated blur sigma is
 * multiplied by K (the grammar's blur is at the output's resolution: s pixels there are s / K in the
 * input) and clamped to its range; noise and JPEG act on the small image and stay. A request that is
 * not `auto` comes back as is.
 */
export function resolveAutoPrompt(requested: RestorationPrompt, estimated: Pick<RestorationPrompt, 'operations'>): RestorationPrompt {
  if (!requested.auto) return requested;
  const up = requested.operations.find((o) => o.key === 'downsample');
  const factor = up && up.value !== null ? up.value : 1;
  const values: Record<string, number | null> = {};
  for (const op of estimated.operations) {
    if (AUTO_COMBINES_WITH.includes(op.key)) continue;
    values[op.key] = op.key === 'blur' && op.value !== null && factor !== 1 ? Math.min(specOf('blur').max, op.value * factor) : op.value;
  }
  if (up) values.downsample = up.value;
  return restorationPromptOf(values);
}

/**
 * The restorer's degradation input for the blind prompt with an estimate (Python's blind_degradation_vector):
 * the estimated prompt's numbers with the blind flag set, so `Remove all degradation` is steered by what the
 * estimator read (a clean photo's estimate names nothing: the restorer is told so).
 */
export function blindDegradationVector(estimated: Pick<RestorationPrompt, 'operations'>): number[] {
  const v = degradationVector({ operations: estimated.operations, blind: false });
  v[v.length - 1] = 1;
  return v;
}
