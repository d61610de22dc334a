import type { ServerResponse } from 'node:http';
import { send } from './respond.ts';

/** `per_page` as GitHub reads it: default 30, capped at 100. */
export function perPage(url: URL): number {
  return Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? '30') || 30));
}

/**
 * Answers with one page of `items` and RFC 5988 `Link` headers (`next`, `last`, `prev`, `first`)
 * that keep the request's other query parameters, so a filtered list stays filtered on page 2.
 */
export function sendPage<T>(res: ServerResponse, url: URL, base: string, items: readonly T[]): void {
  const size = perPage(url);
  const pageNo = Math.max(1, Number(url.searchParams.get('page') ?? '1') || 1);
  const last = Math.max(1, Math.ceil(items.length / size));
  const link = (n: number, rel: string) => {
    const to = new URL(`${url.pathname}${url.search}`, base);
    to.searchParams.set('per_page', String(size));
    to.searchParams.set('page', String(n));
    return `<${to.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNo > 1) links.push(link(pageNo - 1, 'prev'), link(1, 'first'));
  if (pageNo < last) links.push(link(pageNo + 1, 'next'), link(last, 'last'));
  send(
    res,
    200,
    items.slice((pageNo - 1) * size, pageNo * size),
    links.length > 0 ? { link: links.join(', ') } : {},
  );
}
