import { describe, expect, it } from 'vitest';
import type { PromptControls } from '../../../../../renderer/src/state/promptBuilder';
import {
  applyControlEdit,
  controlsFromText,
  defaultControls,
  initialPromptState,
  operationSpec,
  promptReducer,
  snapValue,
  textFromControls,
  understoodLine,
} from '../../../../../renderer/src/state/promptBuilder';

/** The controls as a compact string: `blind` or `key=value|key(no number)` for the enabled ops. */
function summary(c: PromptControls): string {
  if (c.blind) return 'blind';
  return Object.entries(c.ops)
    .filter(([, o]) => o.enabled)
    .map(([k, o]) => (o.withNumber ? `${k}=${o.value}` : `${k}()`))
    .join('|');
}

describe('text -> controls -> text', () => {
  // [typed text, controls, canonical text the controls write back]
  const table: [string, string, string][] = [
    ['Remove all degradation', 'blind', 'Remove all degradation'],
    ['  remove   ALL degradation ; ', 'blind', 'Remove all degradation'],
    ['', '', ''],
    ['Deblur with sigma 2.0;', 'blur=2', 'Deblur with sigma 2.0;'],
    ['deblur with sigma 2', 'blur=2', 'Deblur with sigma 2.0;'],
    ['Dejpeg with quality 40; Deblur with sigma 0.2', 'blur=0.2|jpeg=40', 'Deblur with sigma 0.2; Dejpeg with quality 40;'],
    ['Upsample to 4.0x; Denoise with sigma 0.05;', 'downsample=4|noise=0.05', 'Upsample to 4.0x; Denoise with sigma 0.05;'],
    ['Deblur; Upsample;', 'blur()|downsample()', 'Deblur; Upsample;'],
    [
      'Deblur with sigma 3.0; Upsample to 7.0x; Denoise with sigma 0.12; Dejpeg with quality 92;',
      'blur=3|downsample=7|noise=0.12|jpeg=92',
      'Deblur with sigma 3.0; Upsample to 7.0x; Denoise with sigma 0.12; Dejpeg with quality 92;',
    ],
    ['Denoise with sigma 0', 'noise=0', 'Denoise with sigma 0.00;'],
  ];
  it.each(table)('%j', (text, controls, canonical) => {
    const sync = controlsFromText(text, defaultControls());
    expect(sync.ok).toBe(true);
    if (!sync.ok) return;
    expect(summary(sync.controls)).toBe(controls);
    expect(textFromControls(sync.controls)).toBe(canonical);
    expect(sync.canonical).toBe(canonical);
  });
});

describe('invalid text keeps the controls and says why', () => {
  const table: [string, RegExp][] = [
    ['Deblur with sigma 9.0;', /out of range: allowed 0\.2 to 3\.0/],
    ['Deblur with sigma 1.25;', /at most 1 decimal/],
    ['Dejpeg with quality 40.5', /a whole number/],
    ['Sharpen with sigma 2;', /unknown operation 'Sharpen'/],
    ['Deblur; Deblur with sigma 1.0;', /given twice/],
    ['Remove all degradation; Deblur;', /cannot be combined/],
    ['Deblur with 2.0', /malformed clause/],
  ];
  it.each(table)('%j', (text, reason) => {
    const before = applyControlEdit(defaultControls(), { kind: 'value', key: 'noise', value: 0.07 });
    const sync = controlsFromText(text, before);
    expect(sync.ok).toBe(false);
    if (sync.ok) return;
    expect(sync.error).toMatch(reason);
    expect(sync.controls).toBe(before);
  });
});

describe('controls -> text', () => {
  it('remembers a value while its operation is off, and a clause without number keeps the slider', () => {
    let c = applyControlEdit(defaultControls(), { kind: 'value', key: 'blur', value: 2.3 });
    expect(textFromControls(c)).toBe('Deblur with sigma 2.3;');
    c = applyControlEdit(c, { kind: 'toggle', key: 'blur', enabled: false });
    expect(textFromControls(c)).toBe('');
    c = applyControlEdit(c, { kind: 'toggle', key: 'blur', enabled: true });
    expect(textFromControls(c)).toBe('Deblur with sigma 2.3;');
    const sync = controlsFromText('Deblur;', c);
    expect(sync.ok && sync.controls.ops.blur).toEqual({ enabled: true, withNumber: false, value: 2.3 });
  });

  it('the blind preset and the operations exclude each other', () => {
    let c = defaultControls();
    expect(c.blind).toBe(true);
    c = applyControlEdit(c, { kind: 'toggle', key: 'jpeg', enabled: true });
    expect(c.blind).toBe(false);
    expect(textFromControls(c)).toBe('Dejpeg with quality 50;');
    c = applyControlEdit(c, { kind: 'blind', blind: true });
    expect(textFromControls(c)).toBe('Remove all degradation');
    expect(c.ops.jpeg).toEqual({ enabled: false, withNumber: true, value: 50 });
    // Turning the preset off leaves no operation: the empty prompt.
    expect(textFromControls(applyControlEdit(c, { kind: 'blind', blind: false }))).toBe('');
  });

  it('the number switch writes the type alone', () => {
    let c = applyControlEdit(defaultControls(), { kind: 'toggle', key: 'downsample', enabled: true });
    c = applyControlEdit(c, { kind: 'withNumber', key: 'downsample', withNumber: false });
    expect(textFromControls(c)).toBe('Upsample;');
    // Moving the slider brings the number back.
    c = applyControlEdit(c, { kind: 'value', key: 'downsample', value: 3 });
    expect(textFromControls(c)).toBe('Upsample to 3.0x;');
  });

  it('slider values snap to the grammar grid and range', () => {
    expect(snapValue(operationSpec('blur'), 1.26)).toBe(1.3);
    expect(snapValue(operationSpec('blur'), 0)).toBe(0.2);
    expect(snapValue(operationSpec('noise'), 0.5)).toBe(0.12);
    expect(snapValue(operationSpec('jpeg'), 40.4)).toBe(40);
    expect(snapValue(operationSpec('jpeg'), Number.NaN)).toBe(30);
    expect(() => operationSpec('sharpen')).toThrow(/unknown operation key 'sharpen'/);
  });
});

describe('promptReducer', () => {
  it('typing updates the controls; controls rewrite the text; an error clears once fixed', () => {
    let s = initialPromptState();
    expect(s.restorationText).toBe('Remove all degradation');
    s = promptReducer(s, { type: 'prompt/restorationText', text: 'deblur with sigma 1' });
    expect(s.error).toBeNull();
    expect(s.restorationText).toBe('deblur with sigma 1');
    expect(s.controls.ops.blur?.enabled).toBe(true);
    s = promptReducer(s, { type: 'prompt/canonicalise' });
    expect(s.restorationText).toBe('Deblur with sigma 1.0;');
    s = promptReducer(s, { type: 'prompt/restorationText', text: 'Deblur with sigma 1.0; Denoise with sigma 0.5' });
    expect(s.error).toMatch(/Denoise sigma 0\.5 is out of range/);
    expect(s.controls.ops.noise?.enabled).toBe(false);
    // Canonicalising an invalid text leaves it as typed.
    expect(promptReducer(s, { type: 'prompt/canonicalise' })).toBe(s);
    s = promptReducer(s, { type: 'prompt/control', edit: { kind: 'value', key: 'noise', value: 0.04 } });
    expect(s.error).toBeNull();
    expect(s.restorationText).toBe('Deblur with sigma 1.0; Denoise with sigma 0.04;');
  });

  it('loads prompts from a history entry', () => {
    const s = promptReducer(initialPromptState(), { type: 'prompt/load', semantic: 'a cat', restorationText: 'Upsample to 2.0x;' });
    expect(s.semantic).toBe('a cat');
    expect(s.controls.ops.downsample).toMatchObject({ enabled: true, value: 2 });
    expect(s.controls.blind).toBe(false);
  });
});

describe('plain words in the field', () => {
  it('keeps the words, follows them with the controls and says what they were understood as', () => {
    let s = promptReducer(initialPromptState(), { type: 'prompt/restorationText', text: 'sharpen a little and remove grain' });
    expect(s.error).toBeNull();
    expect(s.understood).toBe('Deblur with sigma 0.8; Denoise;');
    expect(understoodLine(s)).toBe('Understood as: Deblur with sigma 0.8; Denoise;');
    expect(s.controls.ops.blur).toMatchObject({ enabled: true, withNumber: true, value: 0.8 });
    expect(s.controls.ops.noise).toMatchObject({ enabled: true, withNumber: false });
    // losing focus keeps the words (the line says what they mean)
    s = promptReducer(s, { type: 'prompt/canonicalise' });
    expect(s.restorationText).toBe('sharpen a little and remove grain');
    // grammar text: no line; a control edit writes grammar text and clears it
    expect(understoodLine(promptReducer(s, { type: 'prompt/restorationText', text: 'Deblur;' }))).toBeNull();
    expect(promptReducer(s, { type: 'prompt/control', edit: { kind: 'toggle', key: 'jpeg', enabled: true } }).understood).toBeNull();
  });

  it('words it cannot map: the grammar reason with suggestions, no line', () => {
    const s = promptReducer(initialPromptState(), { type: 'prompt/restorationText', text: 'make it pretty' });
    expect(s.error).toMatch(/or in plain words, e\.g\. 'sharpen a little'/);
    expect(understoodLine(s)).toBeNull();
  });
});
