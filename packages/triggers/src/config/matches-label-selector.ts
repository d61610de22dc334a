import type { LabelSelector } from './schemas.ts';

/** Kubernetes label selector semantics: every `matchLabels` pair and every expression must hold. */
export function matchesLabelSelector(
  labels: Readonly<Record<string, string>>,
  selector: LabelSelector,
): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key] ?? '';
    const listed = e.values?.includes(value) ?? false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (e.operator === 'In' && !(has && listed)) return false;
    if (e.operator === 'NotIn' && has && listed) return false;
  }
  return true;
}
