"""The promise file: its models, its YAML loading with line:column, durations and targets."""

from promise_audit.promises.loader import LoadedPromiseFile, load_promise_file

__all__ = ["LoadedPromiseFile", "load_promise_file"]
