"""Find what a typed client cannot use in the document: untyped objects, and resources without a name.

Two rules, each offender printed with its JSON pointer:

1. untyped: a schema of `type: object` (alone or with `null`), or of no type at all, that has
   neither `properties` nor `additionalProperties` nor `$ref`/`oneOf`/`anyOf`/`allOf`, anywhere
   under `paths` or `components`. (A schema of no type is typed by `enum`, `const`, `items`,
   `prefixItems` or `patternProperties`. Sub-schemas that only assert something are not
   types: `if`, `not`, `contains`, `propertyNames`, `dependentSchemas` and what is under
   them; an `allOf` branch, `then` or `else` merges with its siblings, so it is exempt
   itself, though not its properties.)
2. unnamed: a 2xx JSON response that returns a resource (an object schema with `properties`)
   inline, instead of a `$ref` to a named component; a page (an object whose `items` is an
   array) may be inline when its `items` are a `$ref`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.contract.responses import METHODS, pointer

COMPOSED = ("$ref", "oneOf", "anyOf", "allOf")
SHAPED = ("properties", "additionalProperties")
TYPED_WITHOUT_TYPE = ("enum", "const", "items", "prefixItems", "patternProperties")
ASSERTIONS = ("if", "not", "contains", "propertyNames")  # sub-schemas that test, not type
MERGED = ("then", "else")  # merge with their siblings
SINGLE = ("items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems", *ASSERTIONS, *MERGED)
MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def _types(schema: dict[str, Any]) -> list[str]:
    kinds = schema.get("type", [])
    return [kinds] if isinstance(kinds, str) else list(kinds)


def untyped(schema: Any, at: str, asserting: bool = False, merged: bool = False) -> Iterator[str]:
    """Yield every untyped (object) schema in `schema` and below, by JSON pointer."""
    if not isinstance(schema, dict):
        return
    if not asserting and not merged and not any(key in schema for key in COMPOSED + SHAPED):
        kinds = _types(schema)
        if "object" in kinds:
            yield f"#{at}: untyped object ({json.dumps(schema)[:120]}): give it properties or additionalProperties"
        elif not kinds and not any(key in schema for key in TYPED_WITHOUT_TYPE):
            yield f"#{at}: schema without a type ({json.dumps(schema)[:120]})"
    for key in SINGLE:
        if isinstance(schema.get(key), dict):
            below = asserting or key in ASSERTIONS
            yield from untyped(schema[key], at + pointer(key), below, key in MERGED)
    for key in MAPS:
        for name, sub in (schema.get(key) or {}).items():
            yield from untyped(sub, at + pointer(key, name), asserting or key == "dependentSchemas")
    for key in LISTS:
        for n, sub in enumerate(schema.get(key) or []):
            yield from untyped(sub, at + pointer(key, str(n)), asserting, key == "allOf")


def _media_schemas(holder: Any, at: str) -> Iterator[tuple[Any, str]]:
    """The schemas of a response, request body, parameter or header object."""
    if not isinstance(holder, dict):
        return
    if "schema" in holder:
        yield holder["schema"], at + pointer("schema")
    for media, content in (holder.get("content") or {}).items():
        if isinstance(content, dict) and "schema" in content:
            yield content["schema"], at + pointer("content", media, "schema")
    for name, header in (holder.get("headers") or {}).items():
        yield from _media_schemas(header, at + pointer("headers", name))


def all_schemas(document: dict[str, Any]) -> Iterator[tuple[Any, str]]:
    """Every top-level schema under paths and components, with its JSON pointer."""
    for template, item in (document.get("paths") or {}).items():
        base = pointer("paths", template)
        for n, parameter in enumerate(item.get("parameters") or []):
            yield from _media_schemas(parameter, base + pointer("parameters", str(n)))
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            at = base + pointer(method)
            for n, parameter in enumerate(operation.get("parameters") or []):
                yield from _media_schemas(parameter, at + pointer("parameters", str(n)))
            yield from _media_schemas(operation.get("requestBody"), at + pointer("requestBody"))
            for status, response in (operation.get("responses") or {}).items():
                yield from _media_schemas(response, at + pointer("responses", status))
    components = document.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        yield schema, pointer("components", "schemas", name)
    for kind in ("responses", "parameters", "requestBodies", "headers"):
        for name, holder in (components.get(kind) or {}).items():
            yield from _media_schemas(holder, pointer("components", kind, name))


def _resolve(document: dict[str, Any], node: Any) -> Any:
    for _ in range(16):
        reference = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(reference, str) or not reference.startswith("#/"):
            return node
        node = document
        for part in reference[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def unnamed(schema: Any, at: str, label: str) -> Iterator[str]:
    """Yield a resource returned inline (not a `$ref`), or a page whose items are inline."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    for key in ("oneOf", "anyOf"):
        for n, branch in enumerate(schema.get(key) or []):
            yield from unnamed(branch, at + pointer(key, str(n)), label)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        page = properties.get("items")
        if isinstance(page, dict) and "array" in _types(page):
            items = page.get("items")
            if not (isinstance(items, dict) and "$ref" in items):
                yield f"#{at}/properties/items/items: {label}: a page whose items are inline; $ref a named component"
        else:
            names = ", ".join(list(properties)[:6])
            yield f"#{at}: {label}: returns an inline object ({names}…); $ref a named component"
    elif "array" in _types(schema):
        items = schema.get("items")
        if isinstance(items, dict) and "$ref" not in items and "properties" in items:
            yield f"#{at}/items: {label}: returns an array of inline objects; $ref a named component"


def resources(document: dict[str, Any]) -> Iterator[str]:
    """Check the 2xx JSON responses of every operation."""
    for template, item in (document.get("paths") or {}).items():
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if not str(status).startswith("2"):
                    continue
                label = f"{operation.get('operationId', '?')} ({method.upper()} {template}) {status}"
                at = pointer("paths", template, method, "responses", str(status))
                if "$ref" in response:
                    at = str(response["$ref"])[1:]
                for media, content in (_resolve(document, response).get("content") or {}).items():
                    kind = media.split(";")[0].strip()
                    if kind == "application/json" or kind.endswith("+json"):
                        yield from unnamed(content.get("schema"), at + pointer("content", media, "schema"), label)


def offenders(document: dict[str, Any]) -> list[str]:
    found = [problem for schema, at in all_schemas(document) for problem in untyped(schema, at)]
    found += list(resources(document))
    return list(dict.fromkeys(found))


def main(argv: list[str]) -> int:
    document = json.loads(Path(argv[0]).read_text())
    found = offenders(document)
    for problem in found:
        print(f"  {problem}")
    print(f"{len(found)} schema problem(s) in {argv[0]}" if found else f"no untyped or unnamed schemas in {argv[0]}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
