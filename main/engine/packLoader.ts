/**
 * Opens every ONNX component of a pack on the best provider that starts.
 *
 * Takes `openSession` as a parameter (the real one lives in onnx/runtime.ts),
 * so tests can count calls or fail a component on purpose.
 *
 * For a validated SPIRE manifest (`manifest.spire`), each session must have exactly the
 * inputs and outputs its manifest entry lists: same names, same element types, same rank,
 * and the same size wherever both the manifest and the graph give a fixed size.
 */
import { stat } from 'node:fs/promises';
import type { ExecutionProvider, ModelSession, OpenedSession, SessionOptions, ValueInfo } from './onnx/runtime';
import { packError, onnxComponents, type ComponentSpec, type PackManifest, type TensorSpec } from './packs';
import type { LoadedComponentInfo, ProviderFallback } from './protocol';

export type OpenSessionFn = (modelPath: string, options: SessionOptions) => Promise<OpenedSession>;

export interface LoadedPack {
  manifest: PackManifest;
  sessions: Map<string, ModelSession>;
  components: LoadedComponentInfo[];
  fallbacks: ProviderFallback[];
  /** The provider the components run on ("webgpu"), or a "+"-joined list when they differ; null with no ONNX components. */
  provider: string | null;
}

/** Loads each ONNX component; on the first failure releases what was opened and throws packError(file, reason) (SpireError pack-invalid). */
export async function loadPack(
  manifest: PackManifest,
  options: { providers: readonly ExecutionProvider[]; threads: number; openSession: OpenSessionFn },
): Promise<LoadedPack> {
  const sessions = new Map<string, ModelSession>();
  const components: LoadedComponentInfo[] = [];
  const fallbacks: ProviderFallback[] = [];
  try {
    for (const component of onnxComponents(manifest)) {
      try {
        const info = await stat(component.path);
        if (!info.isFile()) throw new Error('not a file');
      } catch {
        throw packError(component.path, `is missing (component "${component.name}"); the pack is incomplete, reinstall or rebuild it.`);
      }
      let opened: OpenedSession;
      try {
        opened = await options.openSession(component.path, { providers: options.providers, threads: options.threads });
      } catch (err) {
        throw packError(component.path, `could not be opened as an ONNX model (${err instanceof Error ? err.message : String(err)}).`);
      }
      sessions.set(component.name, opened.session);
      const spec = manifest.spire?.components[component.name];
      if (spec) checkSessionAgainstManifest(component.path, component.name, opened.session, spec);
      components.push({
        name: component.name,
        file: component.file,
        provider: opened.session.provider,
        inputs: opened.session.inputs.map((i) => i.name),
        outputs: opened.session.outputs.map((o) => o.name),
      });
      for (const f of opened.fallbacks) fallbacks.push({ component: component.name, provider: f.provider, reason: f.reason });
    }
  } catch (err) {
    await Promise.allSettled([...sessions.values()].map((s) => s.release()));
    throw err;
  }
  const used = [...new Set(components.map((c) => c.provider))];
  return { manifest, sessions, components, fallbacks, provider: used.length > 0 ? used.join('+') : null };
}

function describeValue(v: { name: string; dtype: string; shape: ReadonlyArray<number | string> }): string {
  return `"${v.name}" ${v.dtype} [${v.shape.join(', ')}]`;
}

function checkValues(file: string, component: string, kind: 'input' | 'output', actual: readonly ValueInfo[], expected: readonly TensorSpec[]): void {
  const names = actual.map((v) => v.name);
  const missing = expected.filter((e) => !names.includes(e.name)).map((e) => e.name);
  const extra = names.filter((n) => !expected.some((e) => e.name === n));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`manifest lists ${kind}s the model lacks: ${missing.join(', ')}`);
    if (extra.length > 0) parts.push(`the model has ${kind}s the manifest does not list: ${extra.join(', ')}`);
    throw packError(file, `does not match manifest.json (component "${component}"): ${parts.join('; ')}.`);
  }
  for (const e of expected) {
    const a = actual.find((v) => v.name === e.name) as ValueInfo;
    const mismatch = (what: string): never => {
      throw packError(
        file,
        `does not match manifest.json (component "${component}", ${kind} "${e.name}"): ${what}; manifest ${describeValue(e)}, model ${describeValue(a)}.`,
      );
    };
    if (a.dtype !== e.dtype) mismatch(`element type ${a.dtype}, manifest says ${e.dtype}`);
    if (a.shape.length === 0) continue; // the graph does not say
    if (a.shape.length !== e.shape.length) mismatch(`rank ${a.shape.length}, manifest says ${e.shape.length}`);
    e.shape.forEach((d, i) => {
      const m = a.shape[i];
      if (typeof d === 'number' && typeof m === 'number' && d !== m) mismatch(`dim ${i} is ${m}, manifest says ${d}`);
    });
  }
}

/** Throws packError(file, ...) when an opened session disagrees with its manifest entry. */
export function checkSessionAgainstManifest(file: string, component: string, session: Pick<ModelSession, 'inputs' | 'outputs'>, spec: ComponentSpec): void {
  checkValues(file, component, 'input', session.inputs, spec.inputs);
  checkValues(file, component, 'output', session.outputs, spec.outputs);
}

/** First line of a provider's failure, shortened: enough to tell a user why, not a stack dump. */
export function shortReason(reason: string, max = 160): string {
  let text = (reason.split('\n')[0] ?? reason).trim();
  // onnxruntime prefixes many errors with a source location and the failed check; keep what follows.
  text = text.replace(/^\S+\.(?:cc|cpp|h):\d+\s+/, '');
  const check = text.indexOf(' was false. ');
  if (check >= 0) text = text.slice(check + ' was false. '.length);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Plain words about providers that did not start: "cuda could not start (…); webgpu could not start (…)". */
export function describeFallbacks(fallbacks: readonly ProviderFallback[], used: string | null): string | null {
  if (fallbacks.length === 0) return null;
  const byProvider = new Map<string, string>();
  for (const f of fallbacks) if (!byProvider.has(f.provider)) byProvider.set(f.provider, shortReason(f.reason));
  const parts = [...byProvider].map(([p, r]) => `${p} could not start (${r})`);
  return `Running on ${used ?? 'no provider'}: ${parts.join('; ')}.`;
}
