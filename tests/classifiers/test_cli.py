"""`lantian classify`, `eval`, `rules test|lint` and `bench classify` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifiers import default_workers
from classifiers.native import engine
from lantian.cli import app
from lantian.config import Settings

DATA = Path(__file__).resolve().parent.parent / "data"

runner = CliRunner()


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_classify_contract_in_order_with_bad_lines(settings: Settings, tmp_path: Path) -> None:
    good = {
        "id": "a",
        "title": "外观专利包过",
        "text": "不下证全额退款，加V信：zl_agent8",
        "url": "http://x",
        "platform": "t",
    }
    raw = (
        json.dumps(good, ensure_ascii=False).encode()
        + b"\n{not json\n\n"
        + b'{"id": "no-text"}\n'
        + b'{"id": "num", "text": 42}\n'
        + b"[1, 2]\n"
        + b'{"id": "bytes", "text": "\xff\xfe broken"}\n'
        + json.dumps({"id": "empty", "text": ""}).encode()
        + b"\n"
        + json.dumps({"id": "clean", "text": "专利申请流程说明"}, ensure_ascii=False).encode()
    )
    path = tmp_path / "in.jsonl"
    path.write_bytes(raw)
    result = runner.invoke(app, ["classify", str(path)])
    assert result.exit_code == 0, result.output
    out = _lines(result.stdout)
    assert [o.get("id") for o in out] == [
        "a",
        None,
        None,
        "no-text",
        "num",
        None,
        None,
        "empty",
        "clean",
    ]
    first = out[0]
    assert first["irregular"] is True and first["categories"][0] == "guaranteed_grant"
    assert 0 < first["score"] <= 1
    for hit in first["hits"]:
        source = good[hit["field"]]
        assert source[hit["start"] : hit["end"]] == hit["match"]
        assert {"rule", "category", "start", "end", "match"} <= set(hit)
    assert {"error"} <= set(out[1]) and "line 2" in out[1]["error"]
    assert "empty" in out[2]["error"]
    assert "text" in out[3]["error"] and "text" in out[4]["error"]
    assert "object" in out[5]["error"]
    assert "UTF-8" in out[6]["error"]
    assert out[7]["irregular"] is False and out[7]["hits"] == []
    assert out[8]["irregular"] is False


def test_classify_reads_stdin(settings: Settings) -> None:
    result = runner.invoke(
        app, ["classify", "-"], input='{"id": 1, "text": "专利代理师挂证，人不用到岗"}\n'
    )
    assert result.exit_code == 0
    assert _lines(result.stdout)[0]["categories"] == ["certificate_renting"]


def test_classify_goes_on_past_an_escaped_lone_surrogate(settings: Settings) -> None:
    """A lone surrogate (valid JSON, not UTF-8) used to stop the stream when the record was written."""
    lines = '{"id": "\\ud800", "text": "包授权"}\n{"id": 2, "text": "专利流程"}\n'
    result = runner.invoke(app, ["classify", "-"], input=lines)
    assert result.exit_code == 0
    records = _lines(result.stdout)
    assert [r["id"] for r in records] == ["\ud800", 2]
    assert result.stdout.splitlines()[0].isascii()  # that record is escaped as a whole
    assert records[0]["hits"]


def test_classify_missing_file_is_exit_2(settings: Settings) -> None:
    result = runner.invoke(app, ["classify", "/nonexistent/in.jsonl"])
    assert result.exit_code == 2


def test_rules_test_passes(settings: Settings) -> None:
    result = runner.invoke(app, ["rules", "test"])
    assert result.exit_code == 0, result.output


def test_rules_lint_clean(settings: Settings) -> None:
    assert runner.invoke(app, ["rules", "lint"]).exit_code == 0


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("weight: 0.9", "weight: 1.9"), ["guaranteed_grant.yaml", "gg.promise_grant", "weight"]),
        (
            ("category: guaranteed_grant", "category: guaranteed"),
            ["guaranteed_grant.yaml", "gg.promise_grant", "category"],
        ),
        (
            (
                "exceptions: [news, negation, question, reporting, public_question, hearsay, retail]",
                "exceptions: [nonesuch]",
            ),
            ["gg.promise_grant", "exceptions", "nonesuch"],
        ),
        (
            (
                "    examples:\n      match:\n        - 实用新型专利包授权",
                "    examplez:\n      match:\n        - 实用新型专利包授权",
            ),
            ["gg.promise_grant", "examples"],
        ),
        (("pack: guaranteed_grant", "pack: [unclosed"), ["guaranteed_grant.yaml", "YAML"]),
        (
            ('      - ["@never_failed"]', '      - ["@nonesuch"]'),
            ["gg.never_rejected", "all.0", "@nonesuch"],
        ),
    ],
)
def test_rules_lint_names_file_rule_and_field(
    settings: Settings, rules_copy: Path, edit: tuple[str, str], expected: list[str]
) -> None:
    path = rules_copy / "guaranteed_grant.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    result = runner.invoke(app, ["rules", "lint", "--rules-dir", str(rules_copy)])
    assert result.exit_code == 2
    message = "".join(result.stderr.split())
    for fragment in expected:
        assert fragment in message, message


def test_rules_test_reports_a_failing_example(settings: Settings, rules_copy: Path) -> None:
    path = rules_copy / "false_claims.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "        - 授权率99.8%，业内第一",
            "        - 授权率99.8%，业内第一\n        - 今天天气很好",
            1,
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["rules", "test", "--rules-dir", str(rules_copy)])
    assert result.exit_code == 1
    assert "fc.invented_rate" in result.stdout and "今天天气很好" in result.stdout


def test_eval_devset_meets_targets(settings: Settings) -> None:
    result = runner.invoke(app, ["eval", str(DATA / "devset.jsonl"), "--json", "--min", "0.95"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] >= 300
    assert report["overall"]["precision"] >= 0.95 and report["overall"]["recall"] >= 0.95
    for key, counts in report["per_category"].items():
        assert counts["precision"] >= 0.9 and counts["recall"] >= 0.9, key


def test_eval_sandbox_2025_meets_targets(settings: Settings) -> None:
    """The sandbox's ground truth (another engineer's generator) at >= 0.95 overall.

    Per category the floor is 0.9: the sandbox labels a page's categories by the
    claims its generator planted, and a few overlap (a 100% grant rate is both a
    promised outcome and an invented rate).  The seed-7 file is held out and
    deliberately not asserted here.
    """
    path = DATA / "sandbox-2025.jsonl"
    result = runner.invoke(app, ["eval", str(path), "--json", "--min", "0.95"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] >= 900
    assert report["overall"]["precision"] >= 0.95 and report["overall"]["recall"] >= 0.95
    for key, counts in report["per_category"].items():
        assert counts["precision"] >= 0.9 and counts["recall"] >= 0.9, key


def test_eval_exits_1_under_min(settings: Settings, rules_copy: Path, tmp_path: Path) -> None:
    for name in (
        "abnormal_patent",
        "certificate_renting",
        "unlicensed_agency",
        "trademark_malicious",
        "false_claims",
    ):
        (rules_copy / f"{name}.yaml").unlink()
    labelled = tmp_path / "labelled.jsonl"
    rows = [
        {"text": "出售已授权专利，可加发明人，评职称专用", "categories": ["abnormal_patent"]},
        {"text": "实用新型包授权", "categories": ["guaranteed_grant"]},
        {"text": "专利申请流程说明", "categories": []},
    ]
    labelled.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    result = runner.invoke(
        app, ["eval", str(labelled), "--min", "0.95", "--rules-dir", str(rules_copy)]
    )
    assert result.exit_code == 1
    assert "recall" in result.stdout


def test_eval_bad_file_is_exit_2(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "categories": ["nonesuch"]}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", str(path)])
    assert result.exit_code == 2
    assert "bad.jsonl:1" in "".join(result.stderr.split())


def test_bench_classify_beats_jieba(settings: Settings) -> None:
    result = runner.invoke(app, ["bench", "classify", "--mb", "0.15", "--rounds", "2", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    for corpus in ("realistic", "generated"):
        assert figures[corpus]["ratio"] >= 1.0, corpus
        assert figures[corpus]["ratio_jsonl"] >= 1.0, corpus
        assert figures[corpus]["flagged"] > 0, corpus
    # the realistic corpus is what a campaign collects: mostly offers, page-length
    realistic = figures["realistic"]
    assert realistic["flagged"] >= realistic["documents"] / 2
    assert realistic["megabytes"] * 1_000_000 / realistic["documents"] > 3000
    assert set(figures["start_up"]) == {"import_s", "rules_s", "jieba_s"}
    assert figures["engine"] == engine() in {"compiled", "interpreted"}
    wall = figures["wall"]
    assert wall["corpus"] == "realistic" and wall["megabytes"] == realistic["megabytes"]
    assert wall["workers"] == default_workers()
    assert wall["processes"] == 0  # 0.15 MB: under the threshold, one process as the CLI does
    assert wall["ratio_one_worker"] > 0 and wall["ratio_workers"] > 0
    assert len(wall["load_before"]) == len(wall["load_after"]) == 3


def test_records_are_written_as_compact_json_with_a_fallback_for_what_orjson_refuses() -> None:
    from classifiers import dump_record

    record = {"id": 7, "hits": [{"match": "包授权", "weight": 0.85}], "severity": None}
    line = dump_record(record)
    assert line == '{"id":7,"hits":[{"match":"包授权","weight":0.85}],"severity":null}'.encode()
    # an id beyond 64 bits (json.loads reads any integer) still comes out, the same way
    huge = {"id": 10**30, "irregular": False, "match": "包"}
    assert dump_record(huge) == (
        '{"id":1000000000000000000000000000000,"irregular":false,"match":"包"}'.encode()
    )
    assert json.loads(dump_record(huge)) == huge
    # a lone surrogate (an escaped one in the input) cannot be UTF-8: it stays escaped
    lone = {"id": "\ud800", "match": "包"}
    assert dump_record(lone) == b'{"id":"\\ud800","match":"\\u5305"}'
    assert json.loads(dump_record(lone)) == lone
