import type { BodyError } from './body-error.ts';

/** Result of reading a webhook body: a JSON object, or why not (a `BodyError` code). */
export type ParsedBody =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; code: BodyError['code']; message: string };

const jsonTypes = new Set(['application/json', 'application/cloudevents+json']);

/**
 * Reads a webhook body by content type: JSON (GitHub, Harbor Default), CloudEvents structured
 * JSON (Harbor ≥ 2.8), and GitHub's `application/x-www-form-urlencoded` form with one `payload`
 * field. The signature is always checked over the raw bytes, never over this parse.
 */
export function parseBody(contentType: string | undefined, raw: Buffer): ParsedBody {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  let text: string;
  if (jsonTypes.has(mediaType) || mediaType.endsWith('+json')) text = raw.toString('utf8');
  else if (mediaType === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(raw.toString('utf8')).get('payload');
    if (payload === null) {
      return { ok: false, code: 'INVALID_BODY', message: 'form body has no payload field' };
    }
    text = payload;
  } else {
    return {
      ok: false,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: `content type ${JSON.stringify(mediaType || '(none)')} is not supported; send application/json, application/cloudevents+json or application/x-www-form-urlencoded`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      code: 'INVALID_BODY',
      message: `body is not valid JSON: ${(err as Error).message}`,
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, code: 'INVALID_BODY', message: 'body must be a JSON object' };
  }
  return { ok: true, body: value as Record<string, unknown> };
}
