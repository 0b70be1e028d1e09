import { useEffect, useState } from 'preact/hooks';

/** The page asks again this often, so that new messages appear and those in flight move on their own. */
const REFRESH_MS = 2_000;

/**
 * `load`'s latest result, loaded again every REFRESH_MS while the page shows it and whenever `inputs`
 * change (`load` is a new function each render: `inputs` say what it depends on); `reload` loads it at
 * once, after an action. A lasting refusal (see Failed) is not asked again: waiting will not change it.
 */
export function useRefreshing<T extends { state: string }>(load: () => Promise<T>, inputs: unknown[]): { value: T | undefined; reload: () => void } {
  const [value, setValue] = useState<T>();
  const [asked, setAsked] = useState(0);
  const key = JSON.stringify(inputs);
  const [shownFor, setShownFor] = useState(key);
  // What was loaded for other inputs (another filter, another page) is not shown under these.
  if (shownFor !== key) {
    setShownFor(key);
    setValue(undefined);
  }
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let current = true;
    const next = async () => {
      const loaded = await load();
      if (!current) return;
      setValue(loaded);
      if ('lasting' in loaded && loaded.lasting) return;
      timer = setTimeout(() => void next(), REFRESH_MS);
    };
    void next();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [...inputs, asked]);
  return { value, reload: () => setAsked((count) => count + 1) };
}
