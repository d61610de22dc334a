import type { FieldError } from './field-error.ts';
import { validationRules as rules } from './validation-rules.ts';

/** Annotations are limited to 256 KiB in total, keys plus values (`TotalAnnotationSizeLimitB`). */
const annotationLimit = 256 * 1024;

const invalid = (field: string, value: string, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  value,
  detail,
});

/**
 * `ValidateObjectMetaAccessor` as the apiserver runs it on create and update: generateName, name
 * (DNS-1123 subdomain, or label for namespaces), namespace, label keys and values, annotation keys
 * and total size, finalizer names. Errors come in apimachinery's order.
 */
export function validateObjectMeta(
  meta: Readonly<Record<string, unknown>>,
  options: { readonly namespaced: boolean; readonly nameRule: 'subdomain' | 'label' },
): FieldError[] {
  const nameFn = options.nameRule === 'label' ? rules.isDNS1123Label : rules.isDNS1123Subdomain;
  const errs: FieldError[] = [];
  const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
  if (generateName) {
    for (const m of nameFn(rules.maskTrailingDash(generateName))) {
      errs.push(invalid('metadata.generateName', generateName, m));
    }
  }
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (!name) {
    errs.push({
      type: 'FieldValueRequired',
      field: 'metadata.name',
      detail: 'name or generateName is required',
    });
  } else {
    for (const m of nameFn(name)) errs.push(invalid('metadata.name', name, m));
  }
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  if (options.namespaced) {
    if (!namespace) errs.push({ type: 'FieldValueRequired', field: 'metadata.namespace', detail: '' });
    else
      for (const m of rules.isDNS1123Label(namespace)) errs.push(invalid('metadata.namespace', namespace, m));
  }
  const labels = (meta.labels ?? {}) as Record<string, string>;
  for (const [key, value] of Object.entries(labels)) {
    for (const m of rules.isQualifiedName(key)) errs.push(invalid('metadata.labels', key, m));
    for (const m of rules.isValidLabelValue(value)) errs.push(invalid('metadata.labels', value, m));
  }
  const annotations = (meta.annotations ?? {}) as Record<string, string>;
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    // Annotation keys are qualified names, except that case does not matter.
    for (const m of rules.isQualifiedName(key.toLowerCase()))
      errs.push(invalid('metadata.annotations', key, m));
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (size > annotationLimit) {
    errs.push({
      type: 'FieldValueTooLong',
      field: 'metadata.annotations',
      detail: `may not be more than ${annotationLimit} bytes`,
    });
  }
  const finalizers = Array.isArray(meta.finalizers) ? (meta.finalizers as string[]) : [];
  for (const f of finalizers) {
    for (const m of rules.isQualifiedName(f)) errs.push(invalid('metadata.finalizers', f, m));
  }
  return errs;
}
