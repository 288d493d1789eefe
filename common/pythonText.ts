/**
 * Text facts shared by the prompt grammar (common/) and the tokenizer (engine):
 * both must split text exactly where the Python tooling does.
 */

/** Characters Python's str.isspace() accepts, as a regex character-class body. */
export const PY_WHITESPACE_CLASS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
