// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Whether user-written text holds a control character (newline, NUL, escape...):
 * refused in names, titles and short texts, where one would break a log line, a
 * CSV export or a terminal.
 */
export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value);
}
