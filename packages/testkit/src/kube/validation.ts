/** apimachinery's validation rules for names, label keys/values and annotations. */
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export interface Cause {
  reason: string;
  message: string;
  field: string;
}

export function validateName(name: string, field: string): Cause[] {
  if (name.length > 253)
    return [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${name}": must be no more than 253 characters`,
        field,
      },
    ];
  if (!dns1123Subdomain.test(name)) {
    return [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        field,
      },
    ];
  }
  return [];
}

function validateQualifiedKey(key: string, field: string): Cause[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const causes: Cause[] = [];
  if (prefix !== undefined && (prefix.length > 253 || !dns1123Subdomain.test(prefix))) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${key}": prefix part must be a lowercase RFC 1123 subdomain`,
      field,
    });
  }
  if (name.length === 0 || name.length > 63 || !qualifiedName.test(name)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, and must be no more than 63 characters`,
      field,
    });
  }
  return causes;
}

export function validateMetadata(metadata: {
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}): Cause[] {
  const causes: Cause[] = [];
  for (const [k, v] of Object.entries(metadata.labels ?? {})) {
    causes.push(...validateQualifiedKey(k, 'metadata.labels'));
    if (typeof v !== 'string' || v.length > 63 || !labelValue.test(v)) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, and must be no more than 63 characters`,
        field: 'metadata.labels',
      });
    }
  }
  let total = 0;
  for (const [k, v] of Object.entries(metadata.annotations ?? {})) {
    causes.push(...validateQualifiedKey(k, 'metadata.annotations'));
    total += k.length + String(v).length;
  }
  if (total > 256 * 1024) {
    causes.push({
      reason: 'FieldValueTooLong',
      message: 'Too long: must have at most 262144 bytes',
      field: 'metadata.annotations',
    });
  }
  return causes;
}

export { dns1123Label };
