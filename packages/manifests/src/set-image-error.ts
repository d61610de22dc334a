/** Stable codes for a request `setImage` refuses before touching any file. */
export type SetImageErrorCode =
  | 'invalid_image'
  | 'invalid_tag'
  | 'invalid_digest'
  | 'invalid_pin'
  | 'digest_required'
  | 'dir_not_found'
  | 'path_outside_dir';

/**
 * A bad `setImage` request (bad argument, missing directory). Problems found in individual files are
 * not errors: they are reported in the result so one broken file does not hide the other edits.
 */
export class SetImageError extends Error {
  readonly code: SetImageErrorCode;

  constructor(code: SetImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SetImageError';
    this.code = code;
  }
}
