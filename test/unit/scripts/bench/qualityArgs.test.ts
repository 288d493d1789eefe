// The pure half of `npm run bench:quality`: argument parsing, the named pack settings, which
// cases a setting runs on, folder slugs. Nothing here runs the engine.
import { describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  PLAIN_SETTINGS,
  QualityArgError,
  RESTORER_SETTINGS,
  casesForSetting,
  defaultSettings,
  parseQualityArgs,
  parseSetting,
  runStamp,
  settingSlug,
} from '../../../../scripts/bench/qualityArgs.mjs';

describe('parseSetting', () => {
  it.each([
    ['faithful s=0', { name: 'faithful s=0', useRestorer: true, strength: 0, restorerViews: 1 }],
    ['faithful  s = 0.25', { name: 'faithful s=0.25', useRestorer: true, strength: 0.25, restorerViews: 1 }],
    ['faithful s=0 v=8', { name: 'faithful s=0 v=8', useRestorer: true, strength: 0, restorerViews: 8 }],
    ['faithful s=0.1  v = 1', { name: 'faithful s=0.1', useRestorer: true, strength: 0.1, restorerViews: 1 }],
    ['s=1', { name: 's=1', useRestorer: false, strength: 1, restorerViews: 1 }],
    ['s=.5', { name: 's=0.5', useRestorer: false, strength: 0.5, restorerViews: 1 }],
    ['faithful s=0.25 v=8 l=3', { name: 'faithful s=0.25 v=8 l=3', useRestorer: true, strength: 0.25, restorerViews: 8, colorFixLevels: 3 }],
    ['s=1  l = 5', { name: 's=1 l=5', useRestorer: false, strength: 1, restorerViews: 1, colorFixLevels: 5 }],
  ])('%s', (text, expected) => {
    expect(parseSetting(text)).toEqual(expected);
  });

  it('refuses malformed settings, strengths above 1 and strength 0 without the restorer', () => {
    expect(() => parseSetting('strength 0.5')).toThrow(QualityArgError);
    expect(() => parseSetting('s=1.5')).toThrow(/from 0 to 1/);
    expect(() => parseSetting('s=0')).toThrow(/faithful s=0/);
    expect(() => parseSetting('faithful s=0 v=3')).toThrow(/1, 2, 4 or 8/);
    expect(() => parseSetting('s=0.5 v=8')).toThrow(/need "faithful"/);
    expect(() => parseSetting('faithful s=0.25 l=9')).toThrow(/levels \(l=\) must be 1 to 8/);
    expect(() => parseSetting('faithful s=0.25 l=3 v=8')).toThrow(QualityArgError);
  });
});

describe('settings and cases', () => {
  it('defaults follow the pack: faithful rows with a restorer, plain ones without', () => {
    expect(defaultSettings(true).map((s) => s.name)).toEqual(RESTORER_SETTINGS);
    expect(defaultSettings(true).every((s) => s.useRestorer)).toBe(true);
    // With the views the pack recommends (spire-compact: 8).
    expect(defaultSettings(true, 8).map((s) => [s.name, s.strength, s.restorerViews])).toEqual([
      ['faithful s=0 v=8', 0, 8],
      ['faithful s=0.1 v=8', 0.1, 8],
      ['faithful s=0.25 v=8', 0.25, 8],
    ]);
    expect(defaultSettings(false).map((s) => [s.name, s.useRestorer, s.strength])).toEqual([
      [PLAIN_SETTINGS[0], false, 0.25],
      [PLAIN_SETTINGS[1], false, 0.5],
      [PLAIN_SETTINGS[2], false, 1],
    ]);
  });

  it('restorer-only settings run on every case, generative ones on the generative subset', () => {
    const cases = [
      { id: 'a', generative: true },
      { id: 'b', generative: false },
      { id: 'c', generative: true },
    ];
    expect(casesForSetting(parseSetting('faithful s=0'), cases).map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(casesForSetting(parseSetting('faithful s=0.25'), cases).map((c) => c.id)).toEqual(['a', 'c']);
    expect(casesForSetting(parseSetting('s=1'), cases).map((c) => c.id)).toEqual(['a', 'c']);
  });

  it('slugs and stamps are file-name safe', () => {
    expect(settingSlug('faithful s=0.25')).toBe('faithful-s0.25');
    expect(settingSlug('faithful s = 0')).toBe('faithful-s0');
    expect(settingSlug('s=1')).toBe('s1');
    expect(runStamp(new Date('2026-11-26T06:40:05.123Z'))).toBe('2026-11-26T06-40-05Z');
  });
});

describe('parseQualityArgs', () => {
  it('gives the documented defaults with no arguments', () => {
    expect(parseQualityArgs([])).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ perSet: '4,Set5=5', genPerSet: 2, crop: 256, steps: 20, guidance: 3, seed: 0, settings: null });
  });

  it('reads every option, with a space or with =', () => {
    const o = parseQualityArgs([
      '--model', 'test/fixtures/packs/tiny-random', '--per-set=2,Set5=5', '--gen-per-set', '1', '--crop', '128',
      '--sets', 'Set5,Set14', '--families=noise,blur', '--settings', 'faithful s=0, faithful s=0.5', '--steps', '10',
      '--guidance', '4.5', '--seed', '3', '--color-fix', 'none', '--ep', 'cuda', '--control-settings', '1', '--out', 'x',
    ]);
    expect(o).toMatchObject({
      model: 'test/fixtures/packs/tiny-random', perSet: '2,Set5=5', genPerSet: 1, crop: 128, sets: ['Set5', 'Set14'],
      families: ['noise', 'blur'], settings: ['faithful s=0', 'faithful s=0.5'], steps: 10, guidance: 4.5, seed: 3,
      colorFix: 'none', ep: 'cuda', controlSettings: 1, out: 'x',
    });
  });

  it('--full means every image, whole', () => {
    expect(parseQualityArgs(['--full'])).toMatchObject({ full: true, perSet: 'all', genPerSet: 'all', crop: 0 });
    expect(() => parseQualityArgs(['--full', '--crop', '64'])).toThrow(/drop --crop/);
  });

  it.each([
    [['--per-set', 'four'], /--per-set/],
    [['--crop', '-1'], /whole number >= 0/],
    [['--steps', '0'], /whole number >= 1/],
    [['--sets', 'Urban100'], /unknown "Urban100"/],
    [['--families', 'rain'], /unknown "rain"/],
    [['--settings', 's=0'], /faithful s=0/],
    [['--guidance', '99'], /from 0 to 50/],
    [['--model'], /needs a value/],
    [['--resume', 'a', '--out', 'b'], /drop --out/],
    [['--resume', 'a', '--settings', 'faithful s=0'], /keeps the options it started with .*drop --settings or start a new run/],
    [['--resume', 'a', '--model', 'p', '--per-set', '2'], /drop --model, --per-set/],
    [['--bogus'], /unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseQualityArgs(argv)).toThrow(message);
  });

  it('resumes with nothing but the run folder (its own options are read back from run.json)', () => {
    expect(parseQualityArgs(['--resume', 'runs/x'])).toMatchObject({ resume: 'runs/x', settings: null, model: null });
  });
});
