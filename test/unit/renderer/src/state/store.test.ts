import { describe, expect, it } from 'vitest';
import { createStore } from '../../../../../renderer/src/state/store';

type Action = { type: 'add'; n: number } | { type: 'noop' };
const reducer = (s: { total: number }, a: Action) => (a.type === 'add' ? { total: s.total + a.n } : s);

describe('createStore', () => {
  it('applies actions through the reducer and notifies subscribers', () => {
    const store = createStore(reducer, { total: 0 });
    const seen: number[] = [];
    const unsubscribe = store.subscribe(() => seen.push(store.getState().total));
    store.dispatch({ type: 'add', n: 2 });
    store.dispatch({ type: 'add', n: 3 });
    expect(store.getState()).toEqual({ total: 5 });
    expect(seen).toEqual([2, 5]);
    unsubscribe();
    store.dispatch({ type: 'add', n: 1 });
    expect(seen).toEqual([2, 5]);
  });

  it('does not notify when the reducer returns the same state', () => {
    const store = createStore(reducer, { total: 0 });
    let calls = 0;
    store.subscribe(() => calls++);
    const before = store.getState();
    store.dispatch({ type: 'noop' });
    expect(calls).toBe(0);
    expect(store.getState()).toBe(before);
  });

  it('lets a listener unsubscribe another during a dispatch without skipping anyone', () => {
    const store = createStore(reducer, { total: 0 });
    const calls: string[] = [];
    let offB = () => {};
    store.subscribe(() => {
      calls.push('a');
      offB();
    });
    offB = store.subscribe(() => calls.push('b'));
    store.dispatch({ type: 'add', n: 1 });
    store.dispatch({ type: 'add', n: 1 });
    expect(calls).toEqual(['a', 'b', 'a']);
  });
});
