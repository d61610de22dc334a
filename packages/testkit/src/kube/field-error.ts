/**
 * One apimachinery `field.Error`: the unit of a 422 `Invalid` Status (one `details.causes` entry).
 * `type` is the cause's `reason` (`FieldValueInvalid`, …).
 */
export interface FieldError {
  readonly type:
    | 'FieldValueInvalid'
    | 'FieldValueRequired'
    | 'FieldValueTooLong'
    | 'FieldValueForbidden'
    | 'FieldValueDuplicate'
    | 'FieldValueNotSupported';
  readonly field: string;
  readonly detail: string;
  /** The offending value; printed like Go's `%q` for strings, `%#v` for unsigned integers. */
  readonly value?: string | number | { readonly goSyntax: string };
}

const typeText: Record<FieldError['type'], string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueTooLong: 'Too long',
  FieldValueForbidden: 'Forbidden',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotSupported: 'Unsupported value',
};

/**
 * `field.Error.ErrorBody()`: `Invalid value: "x": detail`. Required/TooLong/Forbidden never print
 * the value, as in apimachinery.
 */
export function fieldErrorBody(error: FieldError): string {
  let text = typeText[error.type];
  const omitsValue =
    error.type === 'FieldValueRequired' ||
    error.type === 'FieldValueTooLong' ||
    error.type === 'FieldValueForbidden';
  if (!omitsValue && error.value !== undefined) {
    const v = error.value;
    text += `: ${typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' ? String(v) : v.goSyntax}`;
  }
  return error.detail ? `${text}: ${error.detail}` : text;
}
