/**
 * A minimal store: one state object, changed only by dispatching actions through a
 * pure reducer, read by React through useSyncExternalStore (see useStore.ts).
 *
 * The store owns the app's state. Konva only draws it: nothing is ever read back
 * from a Konva node.
 */

export interface Store<S, A> {
  getState(): S;
  dispatch(action: A): void;
  /** Calls `listener` after every dispatch that changed the state; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export function createStore<S, A>(reducer: (state: S, action: A) => S, initial: S): Store<S, A> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
