/**
 * Cuts `text` to at most `max` UTF-16 units (how Slack counts its limits), ending in `…` when cut.
 * Never splits a surrogate pair, and never leaves half an escape entity (`&am`), which would show
 * as text.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  let cut = text.slice(0, end);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';') && /^&(a(m(p)?)?|l(t)?|g(t)?)?$/.test(cut.slice(amp))) {
    cut = cut.slice(0, amp);
  }
  return `${cut}…`;
}
