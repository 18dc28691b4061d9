"""Spark's errors in one line: the JVM's exception rather than Py4J's call, and running out of
memory in the tool's words, naming the settings that give Spark more; and the JVM's own
warnings kept out of the report on standard output."""

from __future__ import annotations

from pathlib import Path

import pytest

from promise_audit.engine.backends import SPARK_OUT_OF_MEMORY, _first_line


class Py4JLike(Exception):
    """An error as Py4J words it: the call first, the JVM's exception after."""


def test_the_jvm_exception_is_the_line_shown_rather_than_py4js_call() -> None:
    error = Py4JLike(
        "An error occurred while calling o395.collectToPython.\n"
        ": org.apache.spark.SparkException: Job aborted due to stage failure\n"
        "\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages"
    )
    assert _first_line(error) == (
        "org.apache.spark.SparkException: Job aborted due to stage failure"
    )


def test_an_error_of_spark_s_own_keeps_its_first_line() -> None:
    error = Py4JLike("[TABLE_OR_VIEW_NOT_FOUND] The table `x` cannot be found.\nmore")
    assert _first_line(error) == "[TABLE_OR_VIEW_NOT_FOUND] The table `x` cannot be found."


@pytest.mark.parametrize(
    "text",
    [
        "org.apache.spark.memory.SparkOutOfMemoryError: [UNABLE_TO_ACQUIRE_MEMORY] Unable to "
        "acquire 262144 bytes of memory, got 109035.",
        "java.lang.OutOfMemoryError: Java heap space",
    ],
)
def test_running_out_of_memory_is_recognised(text: str) -> None:
    assert SPARK_OUT_OF_MEMORY.search(f"An error occurred while calling o1.x.\n: {text}")


def test_the_jvm_writes_its_own_warnings_to_standard_error_not_the_report(
    spark_master: str,
) -> None:
    # a garbage collector's warning under memory pressure went to standard output, the
    # JSON's stream, at 10M records
    from promise_audit.engine.backends import SparkBackend, parse_engine

    backend = SparkBackend(parse_engine(spark_master))
    try:
        options = backend.spark.sparkContext.getConf().get("spark.driver.defaultJavaOptions")
    finally:
        backend.close()
    assert options == "-Xlog:disable -Xlog:all=warning:stderr"


def test_a_large_export_gets_more_shuffle_partitions_on_spark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promise_audit.engine import backends

    monkeypatch.delenv("SPARK_PARTITIONS", raising=False)
    monkeypatch.setattr(backends, "LARGE_SPARK_INPUT", 1000)
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_bytes(b"x" * 1000)  # exactly at the bound: still small
    large.write_bytes(b"x" * 1001)
    assert backends.shuffle_partitions([str(small)]) == "8"
    assert backends.shuffle_partitions([str(large)]) == "32"
    assert backends.shuffle_partitions([str(small), str(small)]) == "32"  # their sum
    assert backends.shuffle_partitions(["s3a://bucket/contacts.parquet"]) == "8"
    monkeypatch.setenv("SPARK_PARTITIONS", "4")
    assert backends.shuffle_partitions([str(large)]) == "4"


class _Conf:
    def __init__(self, partitions: str) -> None:
        self.values = {"spark.sql.shuffle.partitions": partitions}

    def get(self, key: str) -> str:
        return self.values[key]

    def set(self, key: str, value: str) -> None:
        self.values[key] = value


def test_a_small_source_after_a_large_one_keeps_the_large_ones_partitions() -> None:
    from types import SimpleNamespace

    from promise_audit.engine.backends import SparkBackend

    backend = SparkBackend.__new__(SparkBackend)  # no JVM: only the session's settings
    conf = _Conf("8")
    backend.spark = SimpleNamespace(conf=conf)
    backend._raise_shuffle_partitions("32")  # the large contacts export
    backend._raise_shuffle_partitions("8")  # then a small source
    assert conf.values["spark.sql.shuffle.partitions"] == "32"
