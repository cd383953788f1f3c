"""The logging of `relgraph serve`, and what it leaves out.

A log is read by more people, and kept longer, than the data it is about. So no line holds
a token, a BSN, query text or variables:
- every request gets one line from relgraph (web_requests.py, on standard output): method,
  path without its query string, status, duration, request id, operation name, viewer id,
  execution path, statement count and the client's address; never headers, the query
  string or the body. uvicorn's own access log is off (it would repeat the line, with the
  query string, which holds a GET's query and variables);
- relgraph's other lines name requests by their id; an Internal error is logged with its
  traceback, whose database errors carry the SQL statement but not its parameters
  (`hide_parameters`, db/engine.py);
- GraphQL errors that are answers (validation, coercion, userErrors) are not logged at all
  (graphql/schema.py), since their messages quote the input.

RELGRAPH_LOG_FORMAT=json writes every line (uvicorn's too) as one JSON object.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from typing import Any

import uvicorn.config

__all__ = ["REQUEST_LOGGER", "JsonFormatter", "serve_log_config"]

# The logger of the one line per request; its records carry the request's facts in `fields`.
REQUEST_LOGGER = "relgraph.requests"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, a request's fields, a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            # The fields are the line; the message repeats them for the text format only.
            line["message"] = getattr(record, "summary", line["message"])
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def serve_log_config(log_format: str = "text") -> dict[str, Any]:
    """uvicorn's logging set-up (`log_config`) for every worker: its own lines, relgraph's, the request lines."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    if log_format == "json":
        json_formatter = {"()": "relgraph.logs.JsonFormatter"}
        config["formatters"] = {
            "default": json_formatter,
            "access": json_formatter,
            "relgraph": json_formatter,
        }
    else:
        config["formatters"]["relgraph"] = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    config["handlers"]["relgraph"] = {
        "formatter": "relgraph",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["handlers"]["requests"] = {
        "formatter": "relgraph",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    config["loggers"][REQUEST_LOGGER] = {"handlers": ["requests"], "level": "INFO", "propagate": False}
    config["root"] = {"handlers": ["relgraph"], "level": "INFO"}
    # Each worker loads the migration scripts (the readiness probe compares revisions), and
    # alembic announces every plugin it sets up at INFO: seven lines per worker of no news.
    config["loggers"]["alembic.runtime.plugins"] = {"level": "WARNING"}
    return config
