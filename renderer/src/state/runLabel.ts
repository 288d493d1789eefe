/**
 * A finished run in words, for the history strip and the compare labels. Pure: built only from
 * what the run actually used (the history entry's fields), never from the editor's current state.
 *
 *   Denoise 0.08 · restorer only
 *   Deblur 2.0 · strength 0.3 · "a red barn"
 *   auto → Denoise 0.06 · restorer only          (the engine read the photo: `auto`)
 *   estimate → Denoise 0.04 · restorer only      (the photo's estimate, run unchanged)
 *   Deblur 1.5 + Dejpeg 50 · strength 1 · +2 regions
 *
 * Parts, in order: what the restoration prompt did (one `Name value` per operation, joined by ` + `),
 * how the run went (`restorer only` for no denoising step, else `strength s`), the semantic prompt in
 * quotes (only when diffusion ran: at strength 0 it changes nothing), and how many regions went with it.
 */
import { RESTORATION_GRAMMAR, formatValue, parseRestorationPrompt } from '../../../common/restorationPrompt';
import type { HistoryEntry } from './historyResults';

/** Longest semantic prompt quoted in a label before it is cut with an ellipsis. */
export const LABEL_PROMPT_CHARS = 32;

const SEP = ' · ';

/** The fields a label is made from (a history entry has them all). */
export type RunLabelInput = Pick<HistoryEntry, 'restorationPrompt' | 'estimatedPrompt' | 'semanticPrompt' | 'regionPrompts' | 'steps'> &
  Partial<Pick<HistoryEntry, 'strength' | 'requestedPrompt'>>;

/** `Deblur 2.0 + Upsample 4.0x + Denoise 0.08 + Dejpeg 40` for canonical prompt text; the text itself when it does not parse. */
export function operationsInWords(text: string): string {
  let prompt;
  try {
    prompt = parseRestorationPrompt(text);
  } catch {
    return text;
  }
  if (prompt.blind) return RESTORATION_GRAMMAR.blindPrompt;
  const words = prompt.operations.map((op) => {
    const spec = RESTORATION_GRAMMAR.operations.find((o) => o.key === op.key)!;
    if (op.value === null) return spec.name;
    const value = formatValue(spec, op.value);
    return `${spec.name} ${value}${op.key === 'downsample' ? 'x' : ''}`;
  });
  if (prompt.auto) words.unshift('auto');
  return words.join(' + ');
}

/** The restoration prompt part: `Denoise 0.08`, `auto → Denoise 0.06`, `estimate → clean`, `no restoration`. */
export function restorationInWords(e: RunLabelInput): string {
  const used = operationsInWords(e.restorationPrompt);
  const requested = (e.requestedPrompt ?? '').trim().toLowerCase();
  const wasAuto = requested === RESTORATION_GRAMMAR.autoPrompt || requested.startsWith(`${RESTORATION_GRAMMAR.autoPrompt};`);
  if (e.restorationPrompt === RESTORATION_GRAMMAR.blindPrompt) return used;
  if (e.estimatedPrompt !== null) return `${wasAuto ? 'auto' : 'estimate'} → ${used || 'clean'}`;
  return used || 'no restoration';
}

/** A number as short as it reads: 0.3, 1, 0.25. */
function short(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** `"a red barn"`, cut to LABEL_PROMPT_CHARS with an ellipsis. */
function quoted(prompt: string): string {
  const text = prompt.trim().replace(/\s+/g, ' ');
  return `“${text.length > LABEL_PROMPT_CHARS ? `${text.slice(0, LABEL_PROMPT_CHARS - 1).trimEnd()}…` : text}”`;
}

/** The run in words (see the file's comment). */
export function runLabel(e: RunLabelInput): string {
  const diffusion = e.steps > 0;
  const parts = [restorationInWords(e)];
  parts.push(diffusion ? (e.strength !== undefined ? `strength ${short(e.strength)}` : `${e.steps} step${e.steps === 1 ? '' : 's'}`) : 'restorer only');
  if (diffusion && e.semanticPrompt.trim()) parts.push(quoted(e.semanticPrompt));
  const regions = e.regionPrompts.length;
  if (regions > 0) parts.push(`+${regions} region${regions === 1 ? '' : 's'}`);
  return parts.join(SEP);
}

/** What the strip and the compare view call an entry: the user's name, else the run in words. */
export function entryTitle(e: RunLabelInput & Pick<HistoryEntry, 'name'>): string {
  const name = e.name?.trim();
  return name ? name : runLabel(e);
}

/** How long the run took: `0.4 s`, `12 s`, `1 min 05 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** Whether the seed changed anything: only when diffusion ran (the restorer alone is deterministic). */
export function seedMattered(e: Pick<HistoryEntry, 'steps'>): boolean {
  return e.steps > 0;
}
