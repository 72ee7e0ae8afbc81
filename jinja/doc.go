// Package jinja is a Jinja2 template engine that renders chat templates
// exactly as Hugging Face transformers does: Python jinja2's
// ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks, the
// loop-controls extension, and transformers' tojson (json.dumps with
// ensure_ascii=False), raise_exception and strftime_now.
//
// Values behave as Python's: None, bool, int (64-bit), float, str (indexed
// by code point), list, tuple, dict (insertion ordered), plus jinja2's
// Undefined (prints empty, iterates empty, fails on arithmetic), Markup
// (the |safe result, which HTML-escapes strings added to it), and the
// one-shot generators filters such as map and select return. The syntax
// covers expressions, filters, tests, if/for (with else, loop filters,
// recursive), set (also block form and namespace attributes), macros with
// defaults, varargs, kwargs and call blocks, filter blocks, raw,
// break/continue and whitespace control; not template inheritance,
// include or import, which chat templates do not use.
//
// Rendering is bounded (steps, recursion depth, output size) and never
// panics: every failure is an *Error carrying the template line.
package jinja
