// The estimated restoration prompt, through the app's reducer: filling the field, marking it edited,
// the output size clause, dropping late answers; and what the panel shows (mark, chips, size control).
import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../../../common/engineStatus';
import type { DegradationEstimate } from '../../../../../common/estimate';
import { estimateOf } from '../../../estimates';
import { appReducer, initialAppState, type AppAction, type AppState } from '../../../../../renderer/src/state/appState';
import {
  estimateChips,
  estimateMark,
  outputSizeChoice,
  textWithOutputSize,
  wantedEstimate,
  type MarkInput,
} from '../../../../../renderer/src/state/promptEstimate';

const NOISY = estimateOf('Deblur with sigma 1.4; Denoise with sigma 0.04;', { blur: [0.93, 1.4], noise: [0.876, 0.04], jpeg: [0.07, 60] });
const CLEAN = estimateOf('', { blur: [0.04, 0.4], noise: [0.12, 0.01], jpeg: [0.03, 90] });
const JPEG_FILE = estimateOf('Dejpeg with quality 87;', { blur: [0.1, 0.5], noise: [0.2, 0.01], jpeg: [1, 87, 'file'] }, { patches: 4, ms: 12 });

const PACK = '/packs/compact';
const status = (hasEstimator?: boolean, state: EngineStatus['state'] = 'ready'): EngineStatus => ({
  state,
  pack: { name: 'compact', dir: PACK, ...(hasEstimator !== undefined ? { hasEstimator } : {}) },
  provider: 'cpu',
  message: null,
});

function reduce(actions: AppAction[], state: AppState = initialAppState): AppState {
  return actions.reduce(appReducer, state);
}
const open = (id: string): AppAction => ({ type: 'image/opened', image: { id, name: `${id}.png`, width: 64, height: 48, mime: 'image/png', sourceKey: `k-${id}`, levels: 1 } });
const asked = (imageId: string, packDir = PACK): AppAction => ({ type: 'estimate/asked', imageId, packDir });
const arrived = (imageId: string, estimate: DegradationEstimate, packDir = PACK): AppAction => ({ type: 'estimate/arrived', imageId, packDir, estimate });
const typed = (text: string): AppAction => ({ type: 'prompt/restorationText', text });
const text = (s: AppState) => s.studio.prompt.restorationText;

/** A photo open, the pack with an estimator, the estimate asked. */
const reading = (id = 'a') => reduce([{ type: 'engine/status', status: status(true) }, open(id), asked(id)]);

function markOf(s: AppState, over: Partial<MarkInput> = {}) {
  return estimateMark({ prompt: s.studio.prompt, estimate: s.studio.estimate, imageId: s.image?.id ?? null, pack: s.engine?.pack ?? null, runBusy: false, restorerOnly: true, ...over });
}

describe('filling the restoration prompt with the estimate', () => {
  it('puts the estimate in the field as ordinary text; the builder controls follow it', () => {
    const s = reduce([arrived('a', NOISY)], reading());
    expect(text(s)).toBe('Deblur with sigma 1.4; Denoise with sigma 0.04;');
    expect(s.studio.prompt.error).toBeNull();
    const { controls } = s.studio.prompt;
    expect(controls.blind).toBe(false);
    expect(controls.ops.blur).toEqual({ enabled: true, withNumber: true, value: 1.4 });
    expect(controls.ops.noise).toEqual({ enabled: true, withNumber: true, value: 0.04 });
    expect(controls.ops.jpeg?.enabled).toBe(false);
    expect(s.studio.estimate).toMatchObject({ imageId: 'a', status: 'ready', estimate: NOISY });
  });

  it('a clean photo gets the empty prompt', () => {
    expect(text(reduce([arrived('a', CLEAN)], reading()))).toBe('');
  });

  it('keeps the output size the user chose (also one chosen while it was reading): the estimate at that size', () => {
    const s = reduce([typed('Denoise;'), { type: 'estimate/outputSize', factor: 2 }], reduce([arrived('a', CLEAN)], reading()));
    expect(text(s)).toBe('Upsample to 2.0x; Denoise;');
    // The next photo has its own session: its own estimate at 1x, not the previous photo's prompt or size (sessions.ts).
    const next = reduce([open('b'), asked('b'), arrived('b', NOISY)], s);
    expect(text(next)).toBe('Deblur with sigma 1.4; Denoise with sigma 0.04;');
    // Chosen on the estimate, the size gives the estimate at that size: its blur is measured at the output's resolution.
    const doubled = reduce([{ type: 'estimate/outputSize', factor: 2 }], next);
    expect(text(doubled)).toBe('Deblur with sigma 2.8; Upsample to 2.0x; Denoise with sigma 0.04;');
    // A size chosen while the photo is read again (another pack) stays when the answer comes.
    const sizeWhileReading = reduce([{ type: 'estimate/outputSize', factor: 4 }], reduce([asked('b', '/packs/other')], doubled));
    expect(text(reduce([arrived('b', JPEG_FILE, '/packs/other')], sizeWhileReading))).toBe('Upsample to 4.0x; Dejpeg with quality 87;');
  });

  it('never replaces what the user typed, moved or reused while it was reading', () => {
    for (const edit of [typed('Denoise with sigma 0.08;'), { type: 'prompt/control', edit: { kind: 'value', key: 'jpeg', value: 40 } } as AppAction, { type: 'prompt/load', semantic: 'x', restorationText: 'Deblur;' } as AppAction]) {
      const before = reduce([edit], reading());
      const after = reduce([arrived('a', NOISY)], before);
      expect(text(after)).toBe(text(before));
      expect(after.studio.estimate.status).toBe('ready');
      expect(markOf(after).kind).toBe('edited');
    }
  });

  it('drops an answer for a photo that is no longer the current one, or for another pack', () => {
    const s = reduce([open('b'), asked('b')], reading('a'));
    const late = reduce([arrived('a', NOISY)], s);
    expect(late).toBe(s);
    expect(reduce([arrived('b', NOISY, '/packs/other')], s)).toBe(s);
    expect(reduce([{ type: 'estimate/failed', imageId: 'a', packDir: PACK, code: 'engine-stopped', message: 'x' }], s)).toBe(s);
    expect(text(reduce([arrived('b', CLEAN)], s))).toBe('');
  });

  it('a new photo takes its estimate even where the last one was edited; the same photo asked again keeps an edit', () => {
    const edited = reduce([arrived('a', NOISY), typed('Denoise with sigma 0.10;')], reading());
    expect(text(reduce([open('b'), asked('b'), arrived('b', CLEAN)], edited))).toBe('');
    // Another pack (or an engine restart) under the same photo: the user's text stays ...
    expect(text(reduce([asked('a', '/packs/other'), arrived('a', CLEAN, '/packs/other')], edited))).toBe('Denoise with sigma 0.10;');
    // ... but a field that held the estimate takes the new one.
    const unchanged = reduce([arrived('a', NOISY)], reading());
    expect(text(reduce([asked('a', '/packs/other'), arrived('a', CLEAN, '/packs/other')], unchanged))).toBe('');
  });

  it('"Use estimate" puts it back at the prompt’s output size', () => {
    const s = reduce([arrived('a', NOISY), typed('Upsample to 4.0x; Denoise with sigma 0.10;'), { type: 'estimate/use' }], reading());
    expect(text(s)).toBe('Deblur with sigma 3.0; Upsample to 4.0x; Denoise with sigma 0.04;');
    expect(markOf(s).kind).toBe('estimated');
    expect(reduce([{ type: 'estimate/use' }], reading())).toEqual(reading()); // nothing to use yet
  });

  it('a failure is kept for the photo asked; no-estimator reads as unavailable', () => {
    const failed = reduce([{ type: 'estimate/failed', imageId: 'a', packDir: PACK, code: 'engine-stopped', message: 'The engine stopped.' }], reading());
    expect(failed.studio.estimate).toMatchObject({ status: 'failed', error: 'The engine stopped.' });
    expect(markOf(failed)).toMatchObject({ kind: 'failed', detail: 'Could not read what is wrong with the photo: The engine stopped.' });
    const none = reduce([{ type: 'estimate/failed', imageId: 'a', packDir: PACK, code: 'no-estimator', message: 'no estimator' }], reading());
    expect(markOf(none).kind).toBe('unavailable');
    expect(text(none)).toBe('Remove all degradation');
  });
});

describe('the output size clause', () => {
  it.each([
    ['Denoise with sigma 0.05;', 2, 'Upsample to 2.0x; Denoise with sigma 0.05;'],
    ['Upsample to 2.0x; Denoise with sigma 0.05;', 4, 'Upsample to 4.0x; Denoise with sigma 0.05;'],
    ['Upsample to 3.5x; Dejpeg with quality 40;', 1, 'Dejpeg with quality 40;'],
    ['Upsample;', 2, 'Upsample to 2.0x;'],
    ['', 4, 'Upsample to 4.0x;'],
    ['auto', 2, 'auto; Upsample to 2.0x;'],
    ['auto; Upsample to 2.0x;', 1, 'auto'],
    ['Remove all degradation', 2, null],
    ['Deblur with sigma 9.0;', 2, null],
  ])('%j at %dx -> %j', (before, factor, after) => {
    expect(textWithOutputSize(before, factor, null)).toBe(after);
  });

  it('on the estimate unchanged, gives the estimate at that size (blur scaled); on an edited one, only the clause', () => {
    expect(textWithOutputSize('Deblur with sigma 1.4; Denoise with sigma 0.04;', 2, NOISY)).toBe('Deblur with sigma 2.8; Upsample to 2.0x; Denoise with sigma 0.04;');
    expect(textWithOutputSize('Deblur with sigma 2.8; Upsample to 2.0x; Denoise with sigma 0.04;', 1, NOISY)).toBe('Deblur with sigma 1.4; Denoise with sigma 0.04;');
    expect(textWithOutputSize('Deblur with sigma 1.0; Denoise with sigma 0.04;', 2, NOISY)).toBe('Deblur with sigma 1.0; Upsample to 2.0x; Denoise with sigma 0.04;');
  });

  it('changing the size keeps the estimate marked estimated, and the controls follow', () => {
    const s = reduce([arrived('a', NOISY), { type: 'estimate/outputSize', factor: 4 }], reading());
    expect(text(s)).toBe('Deblur with sigma 3.0; Upsample to 4.0x; Denoise with sigma 0.04;');
    expect(s.studio.prompt.controls.ops.downsample).toEqual({ enabled: true, withNumber: true, value: 4 });
    expect(markOf(s).kind).toBe('estimated');
    expect(s.studio.estimate.editedSinceAsked).toBe(false);
  });

  it('the control shows the size the text has, a typed one as custom, and is off for the blind prompt or invalid text', () => {
    expect(outputSizeChoice('Denoise;')).toEqual({ selected: 1, custom: null, disabled: null });
    expect(outputSizeChoice('Upsample to 1.0x;')).toMatchObject({ selected: 1 });
    expect(outputSizeChoice('auto; Upsample to 4.0x;')).toMatchObject({ selected: 4 });
    expect(outputSizeChoice('Upsample to 3.0x;')).toEqual({ selected: null, custom: '×3.0', disabled: null });
    expect(outputSizeChoice('Upsample;')).toEqual({ selected: null, custom: 'Upsample (no factor)', disabled: null });
    expect(outputSizeChoice('Remove all degradation').disabled).toMatch(/keeps the photo’s size/);
    expect(outputSizeChoice('Sharpen please').disabled).toBe('Fix the restoration prompt first.');
  });
});

describe('the mark under the field', () => {
  it('reads the photo, then says estimated with each operation’s confidence', () => {
    expect(markOf(reading())).toMatchObject({ kind: 'reading', detail: 'Reading the photo…' });
    expect(markOf(reading(), { runBusy: true }).detail).toBe('Reading the photo… (after the run in progress)');
    const s = reduce([arrived('a', NOISY)], reading());
    const m = markOf(s);
    expect(m).toMatchObject({ kind: 'estimated', badge: 'Estimated from the photo' });
    expect(m.chips.map((c) => c.text)).toEqual(['blur σ 1.4 · 93 %', 'noise σ 0.04 · 88 %', 'no JPEG (7 %)']);
  });

  it('turns to edited as soon as the text or a slider changes, back to estimated when undone', () => {
    const s = reduce([arrived('a', NOISY)], reading());
    const slid = reduce([{ type: 'prompt/control', edit: { kind: 'value', key: 'noise', value: 0.06 } }], s);
    expect(markOf(slid)).toMatchObject({ kind: 'edited', badge: 'Edited', detail: 'estimate: Deblur with sigma 1.4; Denoise with sigma 0.04;', estimateText: 'Deblur with sigma 1.4; Denoise with sigma 0.04;' });
    expect(markOf(reduce([typed('deblur with sigma 1.4;denoise with sigma 0.04')], slid)).kind).toBe('estimated');
    expect(markOf(reduce([typed('Deblur with sigma')], s)).kind).toBe('edited'); // invalid text is an edit too
  });

  it('a clean photo: looks clean, and what the run will do with it', () => {
    const s = reduce([arrived('a', CLEAN)], reading());
    expect(markOf(s)).toMatchObject({ kind: 'clean', badge: 'Estimated from the photo', detail: 'Looks clean: nothing to fix (the run leaves it as it is)' });
    expect(markOf(s).chips.map((c) => c.text)).toEqual(['no blur (4 %)', 'no noise (12 %)', 'no JPEG (3 %)']);
    expect(markOf(s, { restorerOnly: false }).detail).toBe('Looks clean: nothing to fix (above strength 0 the diffusion model still redraws it)');
    expect(markOf(reduce([{ type: 'estimate/outputSize', factor: 2 }], s))).toMatchObject({ kind: 'clean', detail: 'Looks clean: nothing to fix (the run only enlarges it)' });
    expect(markOf(reduce([typed('Denoise;')], s))).toMatchObject({ kind: 'edited', detail: 'estimate: nothing to fix' });
  });

  it('a JPEG file’s quality says it came from the file; chips follow the output size', () => {
    expect(estimateChips(JPEG_FILE, null).map((c) => c.text)).toEqual(['no blur (10 %)', 'no noise (20 %)', 'JPEG q 87 · from the file']);
    expect(estimateChips(NOISY, { key: 'downsample', value: 2 })[0]!.text).toBe('blur σ 2.8 · 93 %');
  });

  it('`auto` typed by the user is valid: the estimator reads the photo at run time; the controls do not trip on it', () => {
    const s = reduce([typed('auto')], reading());
    expect(s.studio.prompt.error).toBeNull();
    expect(Object.values(s.studio.prompt.controls.ops).some((c) => c.enabled)).toBe(false);
    expect(markOf(s)).toMatchObject({ kind: 'auto', badge: 'auto', detail: 'the estimator will read the photo when you run' });
    expect(markOf(reduce([typed('auto; Upsample to 2.0x;')], initialAppState))).toMatchObject({ kind: 'auto' }); // no photo yet: still says so
    expect(reduce([{ type: 'prompt/control', edit: { kind: 'toggle', key: 'noise', enabled: true } }], s).studio.prompt.restorationText).toBe('Denoise with sigma 0.05;');
    const noEstimator = reduce([{ type: 'engine/status', status: status(false) }], s);
    expect(markOf(noEstimator).detail).toMatch(/this pack has no estimator, so auto cannot run/);
  });

  it('a pack without an estimator: the field keeps its text, with a hint', () => {
    const s = reduce([{ type: 'engine/status', status: status(false) }, open('a')]);
    expect(text(s)).toBe('Remove all degradation');
    expect(markOf(s)).toMatchObject({ kind: 'unavailable', detail: expect.stringMatching(/^This pack cannot estimate/) });
    expect(markOf(reduce([{ type: 'engine/status', status: status(false) }]))).toMatchObject({ kind: 'none' }); // no photo, no hint
  });

  it('says nothing about another photo’s or pack’s estimate', () => {
    const s = reduce([arrived('a', NOISY), open('b')], reading());
    expect(markOf(s).kind).toBe('none');
    const otherPack = reduce([arrived('a', NOISY), { type: 'engine/status', status: { ...status(true), pack: { name: 'x', dir: '/packs/x', hasEstimator: true } } }], reading());
    expect(markOf(otherPack).kind).toBe('none');
  });
});

describe('wantedEstimate', () => {
  it('asks for the photo on screen with the loaded pack, only when it has (or may have) an estimator and the engine is up', () => {
    const image = { id: 'a' };
    expect(wantedEstimate({ image, engine: status(true) })).toEqual({ imageId: 'a', packDir: PACK });
    expect(wantedEstimate({ image, engine: status(undefined, 'busy') })).toEqual({ imageId: 'a', packDir: PACK });
    expect(wantedEstimate({ image, engine: status(false) })).toBeNull();
    expect(wantedEstimate({ image, engine: status(true, 'restarting') })).toBeNull();
    expect(wantedEstimate({ image, engine: { ...status(true), pack: null } })).toBeNull();
    expect(wantedEstimate({ image: null, engine: status(true) })).toBeNull();
  });
});
