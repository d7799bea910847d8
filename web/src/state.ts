// A tiny observable value: the app's few globals (language, session, cart count) re-render their readers.
import { useEffect, useState } from "preact/hooks";

export interface Cell<T> {
  get(): T;
  set(value: T): void;
  subscribe(listener: (value: T) => void): () => void;
}

export function cell<T>(initial: T): Cell<T> {
  let value = initial;
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const listener of [...listeners]) listener(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useCell<T>(c: Cell<T>): T {
  const [value, setValue] = useState(c.get());
  useEffect(() => {
    setValue(c.get());
    return c.subscribe(setValue);
  }, [c]);
  return value;
}
