import type { Block, SlackMessage } from './slack-message.ts';
import { truncateText } from './truncate-text.ts';

/** Slack's limits (https://docs.slack.dev/reference/block-kit/blocks). */
export const slackLimits = {
  blocks: 50,
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  /** Top-level `text`: Slack truncates past 40 000 and may refuse as `msg_too_long`; fallbacks stay short. */
  text: 3000,
  /**
   * Slack refuses large block payloads as a whole (`msg_blocks_too_long`, around 13 k characters of
   * JSON even when each block is valid — slackapi/bolt-js#2509); stay well below.
   */
  blocksJson: 11_000,
} as const;

function texts(block: Block): { get: () => string; set: (s: string) => void }[] {
  if (block.type === 'header') return [{ get: () => block.text.text, set: (s) => (block.text.text = s) }];
  if (block.type === 'section') {
    const out = block.text
      ? [{ get: () => block.text?.text ?? '', set: (s: string) => block.text && (block.text.text = s) }]
      : [];
    for (const f of block.fields ?? []) out.push({ get: () => f.text, set: (s) => (f.text = s) });
    return out;
  }
  if (block.type === 'context')
    return block.elements.map((e) => ({ get: () => e.text, set: (s: string) => (e.text = s) }));
  return [];
}

/**
 * Brings a message within Slack's limits, cutting with an ellipsis: block count, per-block text
 * lengths, field and element counts, then the whole payload's size (longest text first). Returns a
 * new message; the input is not changed.
 */
export function fitMessage(message: SlackMessage): SlackMessage {
  const blocks = (structuredClone(message.blocks) as Block[]).slice(0, slackLimits.blocks);
  for (const block of blocks) {
    if (block.type === 'header') block.text.text = truncateText(block.text.text, slackLimits.header) || '…';
    if (block.type === 'section') {
      if (block.text) block.text.text = truncateText(block.text.text, slackLimits.sectionText) || '…';
      if (block.fields) {
        block.fields = block.fields.slice(0, slackLimits.fields);
        for (const f of block.fields) f.text = truncateText(f.text, slackLimits.fieldText) || '…';
      }
    }
    if (block.type === 'context') {
      block.elements = block.elements.slice(0, slackLimits.contextElements);
      for (const e of block.elements) e.text = truncateText(e.text, slackLimits.sectionText) || '…';
    }
  }
  // JSON escaping (control characters become \uXXXX) can make a payload far longer than its text.
  while (JSON.stringify(blocks).length > slackLimits.blocksJson) {
    const all = blocks.flatMap(texts);
    const longest = all.reduce((a, b) =>
      JSON.stringify(b.get()).length > JSON.stringify(a.get()).length ? b : a,
    );
    const current = longest.get();
    if (current.length <= 1) break;
    longest.set(truncateText(current, Math.max(1, Math.floor(current.length / 2))));
  }
  return { text: truncateText(message.text, slackLimits.text) || '…', blocks };
}
