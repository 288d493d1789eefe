/**
 * Which execution providers to try, in which order.
 *
 * The user (settings) or the environment (SPIRE_PROVIDERS=webgpu,cpu) names
 * providers or 'auto'. 'auto' means every provider onnxruntime-node was built
 * with here, best first. CPU is always the last resort, so a machine without a
 * working GPU stack still runs, and the fallback is reported.
 */
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../common/runSettings';

const KNOWN: readonly ExecutionProvider[] = EXECUTION_PROVIDERS;

export interface ProviderPlan {
  order: ExecutionProvider[];
  /** Names the user asked for that are not execution providers onnxruntime-node has here. */
  ignored: string[];
}

/** Parses SPIRE_PROVIDERS ("auto", "webgpu,cpu", " CUDA , cpu "); empty or unset means auto. */
export function parseProviderList(value: string | undefined): string[] {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  return names.length > 0 ? names : ['auto'];
}

/**
 * @param requested  provider names or 'auto', in preference order
 * @param available  names from listBackends() (what this build of onnxruntime-node supports)
 * @param autoOrder  the best-first order used for 'auto'
 */
export function planProviders(
  requested: readonly string[],
  available: readonly string[],
  autoOrder: readonly ExecutionProvider[],
): ProviderPlan {
  const availableSet = new Set(available.map((n) => n.toLowerCase()));
  availableSet.add('cpu');
  const order: ExecutionProvider[] = [];
  const ignored: string[] = [];
  const push = (p: ExecutionProvider): void => {
    if (!order.includes(p)) order.push(p);
  };
  for (const raw of requested) {
    const name = raw.toLowerCase();
    if (name === 'auto') {
      for (const p of autoOrder) if (availableSet.has(p)) push(p);
    } else if ((KNOWN as readonly string[]).includes(name) && availableSet.has(name)) {
      push(name as ExecutionProvider);
    } else {
      ignored.push(raw);
    }
  }
  push('cpu');
  return { order, ignored };
}
