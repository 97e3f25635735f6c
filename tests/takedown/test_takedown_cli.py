"""``lantian takedown ...`` end to end on a SQLite file: draft, role check, approve, export, transitions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from td_seed import add_listing, add_user
from typer.testing import CliRunner

from lantian.cli import app
from lantian.config import Settings
from store.db import make_engine, make_sessionmaker, upgrade
from store.models import AuditEntry, Role

runner = CliRunner()


def _seed(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        add_listing(
            session,
            "taobao",
            "https://item.taobao.com/item.htm?id=9",
            title="专利包授权",
            text="包授权 加V",
            shop="某店",
            categories=["guaranteed_grant"],
        )
        add_listing(
            session,
            "jd",
            "https://item.jd.com/9.html",
            title="商标包通过",
            text="100%注册成功",
            shop="京店",
            categories=["guaranteed_grant"],
        )
        add_user(session, "sup", Role.supervisor)
        add_user(session, "rev", Role.reviewer)
        session.commit()
    engine.dispose()


def test_cli_flow(settings: Settings, tmp_path: Path) -> None:
    _seed(settings)
    result = runner.invoke(app, ["takedown", "draft", "--as", "rev", "--json"])
    assert result.exit_code == 0, result.output
    drafts = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(d["platform"] for d in drafts) == ["jd", "taobao"]
    ref = next(d["reference"] for d in drafts if d["platform"] == "taobao")

    denied = runner.invoke(app, ["takedown", "approve", ref, "--as", "rev"])
    assert denied.exit_code == 2 and "needs a supervisor" in denied.output

    unknown = runner.invoke(app, ["takedown", "approve", ref, "--as", "nobody"])
    assert unknown.exit_code == 2 and "no active user 'nobody'" in unknown.output

    early = runner.invoke(app, ["takedown", "mark-sent", ref, "--as", "sup"])
    assert early.exit_code == 2 and "is draft; it cannot become sent" in early.output

    assert runner.invoke(app, ["takedown", "approve", ref, "--as", "sup"]).exit_code == 0
    out_dir = tmp_path / "out"
    for fmt in ("pdf", "docx", "xlsx", "csv", "json"):
        result = runner.invoke(
            app,
            ["takedown", "export", "--platform", "taobao", "--format", fmt, "--out", str(out_dir)],
        )
        assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in out_dir.iterdir()) == [
        ".csv",
        ".docx",
        ".json",
        ".pdf",
        ".xlsx",
    ]
    nothing = runner.invoke(
        app, ["takedown", "export", "--platform", "jd", "--format", "pdf", "--out", str(out_dir)]
    )
    assert nothing.exit_code == 2 and "no notices to export" in nothing.output

    sent_by_reviewer = runner.invoke(app, ["takedown", "mark-sent", ref, "--as", "rev"])
    assert sent_by_reviewer.exit_code == 2 and "needs a supervisor" in sent_by_reviewer.output
    assert runner.invoke(app, ["takedown", "mark-sent", ref, "--as", "sup"]).exit_code == 0
    again = runner.invoke(app, ["takedown", "approve", ref, "--as", "sup"])
    assert again.exit_code == 2 and "is sent; it cannot become approved" in again.output
    closed = runner.invoke(
        app, ["takedown", "close", ref, "--outcome", "refused", "--as", "sup", "--note", "平台拒绝"]
    )
    assert closed.exit_code == 0, closed.output

    status = runner.invoke(app, ["takedown", "status", ref, "--json"])
    detail = json.loads(status.stdout)
    assert detail["status"] == "refused" and detail["listings"][0]["url"].endswith("id=9")

    engine = make_engine(settings.resolved_database_url)
    with make_sessionmaker(engine)() as session:
        trail = session.execute(
            select(AuditEntry.actor, AuditEntry.action)
            .where(AuditEntry.object_type == "takedown_notice")
            .order_by(AuditEntry.id)
        ).all()
    engine.dispose()
    mine = [(a, b) for a, b in trail if b != "takedown.draft"]
    assert mine == [
        ("sup", "takedown.approved"),
        ("sup", "takedown.sent"),
        ("sup", "takedown.refused"),
    ]


def test_platforms_check_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "platforms.yaml"
    source = (Path(__file__).resolve().parents[2] / "takedown" / "platforms.yaml").read_text(
        encoding="utf-8"
    )
    bad.write_text(source.replace("channel: jd_ipr", "channel: jd_nowhere"), encoding="utf-8")
    result = runner.invoke(app, ["takedown", "platforms", "--check", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output.replace("\n", "") or "platforms.yaml" in result.output
    assert "platforms.jd.channel" in result.output and "jd_nowhere" in result.output
    ok = runner.invoke(app, ["takedown", "platforms", "--json"])
    rows = json.loads(ok.stdout)
    assert {"platform": "xianyu", "channel": "alibaba_ipp"}.items() <= next(
        r for r in rows if r["platform"] == "xianyu"
    ).items()


def test_cli_recheck_and_report(settings: Settings, tmp_path: Path) -> None:
    from td_server import serve

    with serve() as site:
        engine = make_engine(settings.resolved_database_url)
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            for i in range(2):
                add_listing(
                    session,
                    "taobao",
                    site.live(f"/i/{i}", f"商品{i}"),
                    title=f"商品{i}",
                    text="包授权",
                    shop="某店",
                    categories=["guaranteed_grant"],
                )
            add_user(session, "sup", Role.supervisor)
            session.commit()
        engine.dispose()
        [draft] = [
            json.loads(x)
            for x in runner.invoke(
                app, ["takedown", "draft", "--as", "sup", "--json"]
            ).stdout.splitlines()
        ]
        ref = draft["reference"]
        assert runner.invoke(app, ["takedown", "approve", ref, "--as", "sup"]).exit_code == 0
        assert runner.invoke(app, ["takedown", "mark-sent", ref, "--as", "sup"]).exit_code == 0
        site.set("/i/1", 410, "gone")
        result = runner.invoke(app, ["takedown", "recheck", ref, "--no-capture", "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert (report["status"], report["removed"], report["online"]) == ("partly_removed", 1, 1)

    month = datetime.now(UTC).strftime("%Y-%m")
    summary = runner.invoke(app, ["takedown", "report", "--month", month, "--json"])
    rows = {(r["platform"], r["region"]): r for r in json.loads(summary.stdout)["rows"]}
    assert rows[("taobao", "合计")]["sent"] == 2 and rows[("taobao", "合计")]["removed"] == 1
    files = runner.invoke(app, ["takedown", "report", "--month", month, "--out", str(tmp_path)])
    assert files.exit_code == 0 and sorted(p.suffix for p in tmp_path.glob("report-*")) == [
        ".html",
        ".xlsx",
    ]
    bad = runner.invoke(app, ["takedown", "report", "--month", "11/2026"])
    assert bad.exit_code == 2 and "month must look like" in bad.output
