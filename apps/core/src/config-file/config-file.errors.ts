import { describeValue, type FieldError } from '@aisle/sdk';

/** The `field` of a YAML syntax error (its message names the line and column). */
export const YAML_SYNTAX_FIELD = '(yaml)';

/** A config file that cannot be applied: every problem, each with its path in the file. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
  constructor(
    /** The file (or `<inline>`). */
    readonly source: string,
    readonly errors: readonly FieldError[],
  ) {
    super(
      `${source}: ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n` +
        errors
          .map(
            (e) =>
              `  ${e.field}: ${e.message}${e.field === YAML_SYNTAX_FIELD ? '' : ` (got ${describeValue(e.value)})`}`,
          )
          .join('\n'),
    );
  }
}
