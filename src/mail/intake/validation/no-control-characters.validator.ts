import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';

const LINE_BREAK = /[\r\n]/;
/**
 * Every C0 control but TAB, then DEL and the C1 controls (U+0080-U+009F). None is printable: NUL cuts
 * strings short in C-based mail software, VT, FF and NEL (U+0085) are line breaks to some parsers, ESC
 * and CSI (U+009B) start terminal escape sequences wherever the value is displayed. TAB is header
 * whitespace (RFC 5322 WSP) and breaks nothing, so free text such as a subject may hold it.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/**
 * Why `text` cannot go into a header, or undefined when it can. CR and LF, which end a header line and
 * so inject headers, are named as such.
 */
export function controlCharacterProblem(text: string): string | undefined {
  if (LINE_BREAK.test(text)) return 'must not contain CR or LF';
  if (CONTROL.test(text)) return 'must not contain control characters';
  return undefined;
}

/** A string that ends up in a header: no line breaks or other control characters. */
export function NoControlCharacters(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'noControlCharacters',
      target: target.constructor,
      propertyName: property as string,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && controlCharacterProblem(value) === undefined,
        defaultMessage: ({ property, value }: ValidationArguments) =>
          `${property} ${controlCharacterProblem(String(value)) ?? 'must be a string'}`,
      },
    });
}
