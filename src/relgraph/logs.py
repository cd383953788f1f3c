"""The logging of `relgraph serve`, and what it leaves out.

A log is read by more people, and kept longer, than the data it is about. So no line holds
a token, a BSN, query text or variables:
- uvicorn's access log gives the method, the path without its query string (a GET carries
  the query, its variables and, from careless clients, `?access_token=`; those are refused
  anyway, see web_guard.py), the status and the client's address; headers are never logged;
- relgraph's own lines name requests by their id; an Internal error is logged with its
  traceback, whose database errors carry the SQL statement but not its parameters
  (`hide_parameters`, db/engine.py);
- GraphQL errors that are answers (validation, coercion, userErrors) are not logged at all
  (graphql/schema.py), since their messages quote the input.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import uvicorn.config

__all__ = ["WithoutQueryString", "serve_log_config"]


class WithoutQueryString(logging.Filter):
    """Takes the query string off the path of uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn logs '%s - "%s %s HTTP/%s" %d' with (client, method, path?query, version, status).
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (args[0], args[1], args[2].partition("?")[0], *args[3:])
        return True


def serve_log_config() -> dict[str, Any]:
    """uvicorn's logging set-up (`log_config`) for every worker: its own, plus relgraph's lines and the filter."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {"without_query_string": {"()": "relgraph.logs.WithoutQueryString"}}
    config["loggers"]["uvicorn.access"]["filters"] = ["without_query_string"]
    config["formatters"]["relgraph"] = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    config["handlers"]["relgraph"] = {
        "formatter": "relgraph",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["relgraph"], "level": "INFO"}
    return config
