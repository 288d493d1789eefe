/**
 * The degradation estimate in words, for `spire restore` (stderr) and `spire estimate`:
 *
 *   estimated "Deblur with sigma 1.4; Denoise with sigma 0.04;" (blur 1.4: 93%, noise 0.04: 88%, jpeg: 7%)
 *   estimated "Dejpeg with quality 87;" (blur: 4%, noise: 12%, jpeg 87: from the file's quantisation tables)
 *   estimated "" (blur: 4%, noise: 12%, jpeg: 3%): clean, left as it is
 *
 * Each operation: its value when it made the prompt, and how sure the estimator is that the photo shows it.
 */
import type { DegradationEstimate } from '../../common/estimate';

export function describeEstimate(e: DegradationEstimate, leftAlone: boolean): string {
  const parts = e.operations.map((o) => {
    if (o.source === 'file') return `${o.key} ${o.value}: from the file's quantisation tables`;
    const sure = `${Math.round(o.probability * 100)}%`;
    return o.present ? `${o.key} ${o.value}: ${sure}` : `${o.key}: ${sure}`;
  });
  const clean = e.restorationPrompt === '' ? (leftAlone ? ': clean, left as it is' : ': clean') : '';
  return `estimated "${e.restorationPrompt}" (${parts.join(', ')})${clean}`;
}
