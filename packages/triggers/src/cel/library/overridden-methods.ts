/**
 * String methods cel-js implements on UTF-16 units or with Unicode case/space rules; cel-go's
 * count code points and are ASCII-only. The compiler renames calls to these to `__sb_<name>`
 * (registered by `registerStringsExtension`), because cel-js refuses a second overload with a
 * built-in's signature.
 */
export const overriddenMethods: ReadonlySet<string> = new Set([
  'indexOf',
  'lastIndexOf',
  'substring',
  'lowerAscii',
  'upperAscii',
  'trim',
  'split',
]);
