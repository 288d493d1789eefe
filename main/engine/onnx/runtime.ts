/**
 * The only module in the project that imports onnxruntime-node.
 *
 * Everything else in the engine speaks in terms of `NamedTensors` (plain typed
 * arrays with dims) and `ModelSession`, so tests can pass fakes and nothing
 * else depends on the runtime's API.
 *
 * Execution providers are tried in the caller's order; one that fails to start
 * falls back to the next and the reason is kept in `fallbacks`, so the UI can
 * say in plain words why it is not running where the user asked.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../../common/runSettings';

// Keep onnxruntime's own logger quiet; failures reach the user through our messages.
ort.env.logLevel = 'fatal';

export type { ExecutionProvider };

/** Provider order tried when the user asks for "auto". */
export const AUTO_PROVIDER_ORDER: readonly ExecutionProvider[] = EXECUTION_PROVIDERS;

export type TensorDType = 'float32' | 'float16' | 'int32' | 'int64';

/** A tensor as the engine handles it: data plus dims, no runtime objects. */
export interface HostTensor {
  dtype: TensorDType;
  dims: readonly number[];
  /** float16 data is carried as raw IEEE half bits (Uint16Array) or Float16Array where that exists. */
  data: Float32Array | Int32Array | BigInt64Array | Uint16Array;
}

export type NamedTensors = Record<string, HostTensor>;

export interface ValueInfo {
  name: string;
  /** ONNX element type as onnxruntime names it ('float32', 'float16', 'int64', ...), or 'non-tensor'. */
  dtype: string;
  /** Fixed sizes as numbers, symbolic dims as strings; empty when the model does not say. */
  shape: ReadonlyArray<number | string>;
}

export interface ModelSession {
  readonly path: string;
  /** The provider this session actually runs on. */
  readonly provider: ExecutionProvider;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  run(feeds: NamedTensors): Promise<NamedTensors>;
  release(): Promise<void>;
}

export interface SessionOptions {
  /** Providers to try, in order. Default: CPU only. */
  providers?: readonly ExecutionProvider[];
  /** Threads for the CPU provider's intra-op pool; 0 or undefined lets onnxruntime choose. */
  threads?: number;
}

export interface OpenedSession {
  session: ModelSession;
  /** Providers that were tried before `session.provider` and why each failed. */
  fallbacks: { provider: ExecutionProvider; reason: string }[];
}

/** Providers onnxruntime-node was built with on this platform (installed or not). */
export function listBackends(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

/** Where a shared library may live on Linux: LD_LIBRARY_PATH, then the usual system folders. */
function linuxLibraryDirs(env: NodeJS.ProcessEnv): string[] {
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d.length > 0);
  const arch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  return [...fromEnv, `/usr/lib/${arch}`, `/lib/${arch}`, '/usr/lib64', '/usr/lib', '/usr/local/lib'];
}

/** The folder holding onnxruntime-node's native binding for this platform, or null if it cannot be found. */
function ortNativeDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

/**
 * Providers that cannot start on this machine, found without trying them (trying
 * them costs seconds and prints native errors): each with the reason and the fix.
 * Providers not named here may still fail when a session is created; openSession
 * then falls back and reports that reason.
 */
export function preflightProviders(
  order: readonly ExecutionProvider[],
  probe: { platform?: NodeJS.Platform; exists?: (p: string) => boolean; env?: NodeJS.ProcessEnv; nativeDir?: string | null } = {},
): { order: ExecutionProvider[]; skipped: { provider: ExecutionProvider; reason: string }[] } {
  const platform = probe.platform ?? process.platform;
  const exists = probe.exists ?? existsSync;
  const env = probe.env ?? process.env;
  const nativeDir = probe.nativeDir === undefined ? ortNativeDir() : probe.nativeDir;
  const skipped: { provider: ExecutionProvider; reason: string }[] = [];
  const keep: ExecutionProvider[] = [];
  for (const provider of order) {
    let reason: string | null = null;
    if (provider === 'cuda' && platform === 'linux' && nativeDir && !exists(path.join(nativeDir, 'libonnxruntime_providers_cuda.so'))) {
      reason =
        "onnxruntime-node's CUDA provider was not downloaded at install; reinstall onnxruntime-node with internet to use an NVIDIA GPU";
    } else if (provider === 'webgpu' && platform === 'linux' && !linuxLibraryDirs(env).some((d) => exists(path.join(d, 'libvulkan.so.1')))) {
      reason = 'no Vulkan loader (libvulkan.so.1); install your GPU driver\'s Vulkan support (libvulkan1) to use WebGPU';
    }
    if (reason) skipped.push({ provider, reason });
    else keep.push(provider);
  }
  return { order: keep, skipped };
}

function toValueInfo(meta: ort.InferenceSession.ValueMetadata): ValueInfo {
  if (!meta.isTensor) return { name: meta.name, dtype: 'non-tensor', shape: [] };
  return { name: meta.name, dtype: meta.type, shape: meta.shape };
}

function toOrtTensor(t: HostTensor): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data as never, t.dims as number[]);
}

function fromOrtTensor(name: string, value: ort.OnnxValue): HostTensor {
  const t = value as ort.Tensor;
  const dtype = t.type as string;
  if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'int32' && dtype !== 'int64') {
    throw new Error(`Output "${name}" has element type ${dtype}, which the engine does not handle.`);
  }
  return { dtype, dims: [...t.dims], data: t.data as HostTensor['data'] };
}

class OrtModelSession implements ModelSession {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];

  constructor(
    readonly path: string,
    readonly provider: ExecutionProvider,
    private readonly session: ort.InferenceSession,
  ) {
    this.inputs = session.inputMetadata.map(toValueInfo);
    this.outputs = session.outputMetadata.map(toValueInfo);
  }

  async run(feeds: NamedTensors): Promise<NamedTensors> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(t);
    const results = await this.session.run(ortFeeds);
    const out: NamedTensors = {};
    for (const [name, value] of Object.entries(results)) out[name] = fromOrtTensor(name, value);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Opens an ONNX model, trying each provider in order. Throws only when every
 * provider failed; the error then lists each provider's reason.
 */
export async function openSession(modelPath: string, options: SessionOptions = {}): Promise<OpenedSession> {
  const providers = options.providers && options.providers.length > 0 ? options.providers : (['cpu'] as const);
  const fallbacks: OpenedSession['fallbacks'] = [];
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        // Fatal only: a provider that fails to start is reported through `fallbacks`
        // (and the status message), not as native error lines on stderr.
        logSeverityLevel: 4,
        ...(options.threads && options.threads > 0 ? { intraOpNumThreads: options.threads } : {}),
      });
      return { session: new OrtModelSession(modelPath, provider, session), fallbacks };
    } catch (err) {
      fallbacks.push({ provider, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const reasons = fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ');
  throw new Error(`Could not open ${modelPath} on any execution provider (${reasons}).`);
}
