/**
 * Helpers shared by the engine bench cases (engineCase.ts, defaultCase.ts): a SpireModels that
 * counts calls and time per component, the process's RSS high-water mark, and a median.
 */
import type { PipelineConfig, SpireModels } from '../../main/engine/pipeline/models';
import type { Tensor } from '../../main/engine/tensor/tensor';

export interface CallStats {
  calls: number;
  ms: number;
}

/** A SpireModels that forwards to another one and counts calls and time per component. */
export class CountingModels implements SpireModels {
  readonly stats: Record<string, CallStats> = {};

  constructor(private readonly inner: SpireModels) {}

  get config(): PipelineConfig {
    return this.inner.config;
  }

  reset(): void {
    for (const key of Object.keys(this.stats)) delete this.stats[key];
  }

  /** A copy of the counts so far. */
  snapshot(): Record<string, CallStats> {
    return Object.fromEntries(Object.entries(this.stats).map(([k, v]) => [k, { calls: v.calls, ms: v.ms }]));
  }

  /** Milliseconds spent in one component so far (0 when it was not called). */
  ms(name: string): number {
    return this.stats[name]?.ms ?? 0;
  }

  private async timed<T>(name: string, call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await call();
    } finally {
      const s = (this.stats[name] ??= { calls: 0, ms: 0 });
      s.calls += 1;
      s.ms += performance.now() - start;
    }
  }

  tokenize(texts: readonly string[]): number[][] {
    return this.inner.tokenize(texts);
  }
  textEncoder(ids: readonly (readonly number[])[]): Promise<Tensor> {
    return this.timed('text_encoder', () => this.inner.textEncoder(ids));
  }
  vaeEncode(image: Tensor): Promise<Tensor> {
    return this.timed('vae_encoder', () => this.inner.vaeEncode(image));
  }
  vaeDecode(z: Tensor): Promise<Tensor> {
    return this.timed('vae_decoder', () => this.inner.vaeDecode(z));
  }
  adaptor(z: Tensor, t: readonly number[], cRest: Tensor, cond: Tensor): Promise<Tensor[]> {
    return this.timed('adaptor', () => this.inner.adaptor(z, t, cRest, cond));
  }
  unet(z: Tensor, t: readonly number[], c: Tensor, fused: readonly Tensor[]): Promise<Tensor> {
    return this.timed('unet', () => this.inner.unet(z, t, c, fused));
  }
  restorer(y: Tensor, cRest: Tensor, degradation: readonly number[]): Promise<Tensor> {
    return this.timed('restorer', () => this.inner.restorer(y, cRest, degradation));
  }
}

/** This process's resident-set high-water mark in MiB (process.resourceUsage().maxRSS is in KiB). */
export function maxRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
