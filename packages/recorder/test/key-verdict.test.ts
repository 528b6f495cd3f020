import { describe, expect, it } from 'vitest';
import type { KeyModifier } from '@reprise/protocol';
import { keyVerdict } from '../src/capture/key-press.js';

const KEYS = ['a', 'Z', ' ', '1', 'Enter', 'Escape', 'Tab', 'ArrowUp', 'ArrowLeft', 'Backspace', 'Delete', 'F2', 'F13', 'Shift', 'Home'];
const MODS: KeyModifier[][] = [[], ['Shift'], ['Control'], ['Meta'], ['Alt'], ['Control', 'Alt'], ['Control', 'Shift'], ['Meta', 'Shift']];
const WHERE = ['password', 'text', 'multiline', 'control', 'page'] as const;

describe('which key presses are recorded (keyVerdict)', () => {
  it('a private region never records a press that is not recorded elsewhere (the hook decides before matching selectors)', () => {
    let checked = 0;
    for (const key of KEYS)
      for (const mods of MODS)
        for (const where of WHERE) {
          if (keyVerdict(key, mods, where, false) !== 'no') continue;
          expect(keyVerdict(key, mods, where, true), `${mods.join('+')} ${key} in ${where}`).toBe('no');
          checked++;
        }
    expect(checked).toBeGreaterThan(100);
  });

  it('a private region removes shortcuts only', () => {
    expect(keyVerdict('k', ['Control'], 'page', false)).toBe('yes');
    expect(keyVerdict('k', ['Control'], 'page', true)).toBe('no');
    expect(keyVerdict('Escape', [], 'page', true)).toBe('yes');
    expect(keyVerdict('Enter', [], 'text', true)).toBe('yes');
    expect(keyVerdict('a', [], 'text', false)).toBe('no');
  });
});
