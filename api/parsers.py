from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _encodable(value) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(v) for v in value)
    return True


class StrictJSONParser(JSONParser):
    """JSON that the database can store.

    JSON may escape lone UTF-16 surrogates ("\\ud800"); Python decodes them into strings
    that no database driver can encode, which would surface as a 500 deep in a service;
    and absurdly deep nesting exhausts Python's recursion limit. Both are a client's 400.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            encodable = _encodable(data)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        if not encodable:
            raise ParseError("JSON parse error - strings must be valid Unicode (no lone surrogates).")
        return data
