import { type Document, parseAllDocuments } from 'yaml';

/**
 * All documents of a file with their source tokens (for exact offsets), or the first error. JSON
 * goes through the same parser: it is YAML 1.2 flow syntax, so offsets mean the same thing.
 */
export function parseManifest(text: string): { docs: Document[] } | { error: string } {
  const parsed = parseAllDocuments(text, { keepSourceTokens: true });
  // An empty or comment-only file parses to an EmptyStream, not an array: nothing to edit.
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) return { error: (error.message.split('\n')[0] ?? error.code).replace(/:$/, '') };
  }
  return { docs };
}
