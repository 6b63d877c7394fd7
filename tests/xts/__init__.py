"""OpenHarmony XTS HUKS suites translated into pytest (issue 19; docs/conformance.md)."""
