/**
 * Slack's Block Kit limits for a message (https://docs.slack.dev/reference/block-kit/blocks):
 * ≤ 50 blocks, header text ≤ 150, section text ≤ 3000, ≤ 10 section fields of ≤ 2000, context ≤ 10
 * elements, `block_id` ≤ 255. Returns Slack's `invalid_blocks` error lines (`… [json-pointer:/blocks/1/text/text]`),
 * empty when the blocks are valid.
 */
export function checkBlocks(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ['must be an array [json-pointer:/blocks]'];
  const errors: string[] = [];
  if (blocks.length > 50) errors.push('must provide no more than 50 items [json-pointer:/blocks]');
  const tooLong = (value: unknown, max: number, pointer: string) => {
    if (typeof value !== 'string' || value.length === 0) {
      errors.push(`must be a non-empty string [json-pointer:${pointer}]`);
    } else if (value.length > max) {
      errors.push(`must be less than ${max + 1} characters [json-pointer:${pointer}]`);
    }
  };
  for (const [i, block] of (blocks as unknown[]).entries()) {
    const at = `/blocks/${i}`;
    if (!block || typeof block !== 'object') {
      errors.push(`must be an object [json-pointer:${at}]`);
      continue;
    }
    const b = block as {
      type?: unknown;
      text?: { text?: unknown };
      fields?: unknown;
      elements?: unknown;
      block_id?: unknown;
    };
    if (typeof b.block_id === 'string' && b.block_id.length > 255) tooLong(b.block_id, 255, `${at}/block_id`);
    switch (b.type) {
      case 'header':
        tooLong(b.text?.text, 150, `${at}/text/text`);
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined)
          errors.push(`must provide text or fields [json-pointer:${at}]`);
        if (b.text !== undefined) tooLong(b.text?.text, 3000, `${at}/text/text`);
        if (Array.isArray(b.fields)) {
          if (b.fields.length > 10)
            errors.push(`must provide no more than 10 items [json-pointer:${at}/fields]`);
          for (const [j, f] of (b.fields as Array<{ text?: unknown } | undefined>).entries()) {
            tooLong(f?.text, 2000, `${at}/fields/${j}/text`);
          }
        }
        break;
      }
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) {
          errors.push(`must provide 1 to 10 elements [json-pointer:${at}/elements]`);
        } else {
          for (const [j, e] of (b.elements as Array<{ text?: unknown } | undefined>).entries()) {
            tooLong(e?.text, 3000, `${at}/elements/${j}/text`);
          }
        }
        break;
      case 'divider':
      case 'actions':
      case 'image':
      case 'rich_text':
      case 'markdown':
        break;
      default:
        errors.push(`unsupported block type ${JSON.stringify(b.type)} [json-pointer:${at}/type]`);
    }
  }
  return errors;
}
