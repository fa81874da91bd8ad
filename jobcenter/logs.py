"""The JSON log formatter (LOG_FORMAT=json): python-json-logger's, masked as a whole.

The CPR masking filter on every handler masks the message, its arguments, the traceback and
extra fields; but python-json-logger formats `record.exc_info` again instead of using the
masked `exc_text`, and writes any other object of a record (Django's `request`, say) as its
`str()`, which the filter cannot see. So the finished line is masked once more, and a
masked `exc_text` is used as logging's own Formatter uses it.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from cases.cpr import mask_text


class JsonFormatter(_JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        exc_info = record.exc_info
        if record.exc_text:
            record.exc_info = None
        try:
            return mask_text(super().format(record))
        finally:
            record.exc_info = exc_info
