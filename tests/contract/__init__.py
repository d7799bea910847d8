"""The API's contract: its OpenAPI document, held to the responses the running stack really gives.

- `responses`: validates every response the e2e suite receives against the document, and
  keeps samples of real bodies (`PEKEN_RESPONSES_DIR`), wired in by `tests/e2e/conftest.py`;
- `python -m tests.contract` (`make contract`): Redocly lint, openapi-typescript types, `tsc`
  over the recorded bodies (`typecheck`), and the untyped-schema check (`schemas`).
"""
