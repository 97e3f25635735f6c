"""``lantian bench classify``: classifier throughput against bare ``jieba.cut`` on the same text, same run.

Two corpora.  The realistic one (built by the caller from the sandbox, see
``sandbox.corpus``) is what a campaign collects: page-length texts, mostly
offers and near-offers, dense with the phrases the rules look for.  The
generated one, kept for comparison with earlier figures, mixes neutral product
and news prose with a few offers: far fewer hits per page, so it flatters.
"""

from __future__ import annotations

import json
import logging
import os
import random
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import jieba

from classifiers.default import loaded_frozen
from classifiers.engine import Classifier
from classifiers.jsonl import classify_lines, dump_record
from classifiers.stream import classify_stream

_NEUTRAL = [
    "本店所有商品均为正品，支持七天无理由退换货，全国包邮。",
    "这款产品采用新型材料，经久耐用，适合家庭和办公室使用。",
    "国家知识产权局发布数据，今年前三季度发明专利授权量同比增长。",
    "专利申请流程包括受理、初审、公布、实质审查和授权等阶段。",
    "企业应当加强知识产权管理，建立健全专利管理制度。",
    "我们是一家依法设立的专利代理机构，不承诺授权结果，欢迎来电咨询。",
    "商标注册需要准备营业执照、商标图样和商品服务类别。",
    "天气逐渐转凉，请注意添加衣物，保持身体健康。",
    "该技术已申请发明专利，专利号ZL202110123456.7，仿冒必究。",
    "市场监管部门严厉打击包授权、挂证等违规行为，依法查处。",
    "高校技术转移中心发布一批专利成果，欢迎企业洽谈合作许可。",
    "一级建造师保过班火热报名中，名师授课，题库精讲。",
    "有网友提问：花钱买专利评职称是真的吗？会不会有风险？",
    "今日头条：多地出台政策支持中小企业创新发展，加大研发投入。",
    "手机壳卡通图案，官方授权，顺丰包邮，不满意全额退款。",
]
_IRREGULAR = [
    "实用新型专利包授权，不授权全额退款，加微信13800138000详聊。",
    "出售已授权专利，可加发明人，评职称专用，价格优惠。",
    "长期收专利代理师证书挂靠，人不用到岗，年薪3万。",
    "个人专利代理，无需资质，比机构便宜一半。",
    "抢注网红品牌商标，注册成功后高价转让。",
    "国知局内部渠道，审查员关系硬，专利加急下证。",
    "專利包過，不過退款，V信：zl8899",
    "专 利 包 下 证，评 职 称 专 用",
]


def generate_corpus(megabytes: float, seed: int = 20261126) -> list[str]:
    """Documents totalling about ``megabytes`` MB of UTF-8, deterministic for a seed."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    docs: list[str] = []
    size = 0
    while size < target:
        parts = [rng.choice(_NEUTRAL) for _ in range(rng.randint(5, 60))]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts)), rng.choice(_IRREGULAR))
        doc = "".join(parts)
        docs.append(doc)
        size += len(doc.encode("utf-8"))
    return docs


@dataclass(frozen=True, slots=True)
class BenchResult:
    """One corpus: MB/s of each arm (CPU seconds of this process) and the ratios to jieba."""

    corpus: str
    megabytes: float
    documents: int
    jieba_mb_s: float
    classify_mb_s: float
    classify_jsonl_mb_s: float
    ratio: float
    ratio_jsonl: float
    flagged: int

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


Document = tuple[str, str]  # (title, text)


def generated_documents(megabytes: float, seed: int = 20261126) -> list[Document]:
    """The generated corpus (:func:`generate_corpus`) as untitled documents."""
    return [("", doc) for doc in generate_corpus(megabytes, seed)]


def _strings_and_lines(docs: list[Document]) -> tuple[list[str], list[str]]:
    """What jieba cuts (exactly the string the classifier reads, ``title + "\n" + text``) and
    the JSON Lines ``lantian classify`` reads, for the same documents."""
    strings = [f"{title}\n{text}" if title else text for title, text in docs]
    lines = [
        json.dumps({"id": i, "title": title, "text": text}, ensure_ascii=False)
        for i, (title, text) in enumerate(docs)
    ]
    return strings, lines


def _cut_all(strings: list[str]) -> None:
    for string in strings:
        for _ in jieba.cut(string):
            pass


def run(
    classifier: Classifier, docs: list[Document], corpus: str = "generated", rounds: int = 3
) -> BenchResult:
    """Time bare ``jieba.cut``, :meth:`Classifier.classify` and the ``lantian classify`` path.

    The three are interleaved for ``rounds`` rounds and each keeps its fastest
    round.  Times are this process's CPU seconds: all three arms run on one
    thread here, and on a busy machine wall time mostly measures the neighbours.
    jieba cuts exactly the string the classifier reads (``title + "\n" + text``).
    """
    strings, lines = _strings_and_lines(docs)
    size_mb = sum(len(s.encode("utf-8")) for s in strings) / 1_000_000
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    classifier.warm_up()
    classifier.classify(docs[0][1], docs[0][0])

    def time_jieba() -> float:
        started = time.process_time()
        _cut_all(strings)
        return time.process_time() - started

    flagged = 0

    def time_classify() -> float:
        nonlocal flagged
        started = time.process_time()
        flagged = sum(1 for title, text in docs if classifier.classify(text, title).irregular)
        return time.process_time() - started

    def time_jsonl() -> float:
        started = time.process_time()
        for record in classify_lines(classifier, lines):
            dump_record(record)
        return time.process_time() - started

    jieba_s = classify_s = jsonl_s = float("inf")
    with loaded_frozen():  # as `lantian classify` runs, for all three arms
        for _ in range(max(1, rounds)):
            jieba_s = min(jieba_s, time_jieba())
            classify_s = min(classify_s, time_classify())
            jsonl_s = min(jsonl_s, time_jsonl())

    return BenchResult(
        corpus=corpus,
        megabytes=round(size_mb, 3),
        documents=len(docs),
        jieba_mb_s=round(size_mb / jieba_s, 3),
        classify_mb_s=round(size_mb / classify_s, 3),
        classify_jsonl_mb_s=round(size_mb / jsonl_s, 3),
        ratio=round(jieba_s / classify_s, 2),
        ratio_jsonl=round(jieba_s / jsonl_s, 2),
        flagged=flagged,
    )


@dataclass(frozen=True, slots=True)
class WallResult:
    """Wall seconds of the ``lantian classify`` path (:func:`classify_stream`, file in, output
    to the null device) with one worker and with ``workers``, against bare ``jieba.cut`` on one
    core, same corpus, same run; with the load average (1, 5, 15 min) before and after.

    ``processes`` is how many worker processes the ``workers`` arm really ran: 0 when the
    corpus is under the in-process threshold (:data:`classifiers.stream.SMALL_INPUT_BYTES`).
    ``jieba_speed_up`` is what ``workers`` processes of bare ``jieba.cut``, each on a share of
    the documents, gain over one here and now: the most ``speed_up`` could be on this machine
    under this load (two busy neighbours on two cores leave little to gain).
    """

    corpus: str
    megabytes: float
    workers: int
    processes: int
    cpus: int
    jieba_s: float
    one_worker_s: float
    workers_s: float
    jieba_mb_s: float
    one_worker_mb_s: float
    workers_mb_s: float
    ratio_one_worker: float
    ratio_workers: float
    speed_up: float
    jieba_workers_s: float
    jieba_speed_up: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def run_wall(
    classifier: Classifier,
    docs: list[Document],
    workers: int,
    corpus: str = "realistic",
    rounds: int = 3,
) -> WallResult:
    """Time, in wall seconds, ``lantian classify``'s path at 1 and at ``workers`` workers
    and bare ``jieba.cut`` over the same documents, interleaved for ``rounds`` rounds, best
    of each.  Several cores are the point here, so CPU time cannot say it; on a busy machine
    the figures say how busy, and the load average beside them says it too.  Start-up
    (imports, rules, jieba's dictionary) is not in these figures: it is measured apart.
    """
    from classifiers.stream import usable_cpus

    strings, lines = _strings_and_lines(docs)
    size_mb = sum(len(s.encode("utf-8")) for s in strings) / 1_000_000
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    classifier.warm_up()
    load_before = os.getloadavg()
    processes = 0
    with tempfile.TemporaryDirectory(prefix="lantian-bench-") as tmp:
        path = Path(tmp) / "corpus.jsonl"
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")

        def time_jieba() -> float:
            started = time.perf_counter()
            _cut_all(strings)
            return time.perf_counter() - started

        def time_jieba_workers() -> float:
            return _cut_in_processes(strings, workers)

        def time_classify(count: int) -> float:
            nonlocal processes
            started = time.perf_counter()
            with path.open("rb") as source, open(os.devnull, "wb") as sink:
                done = classify_stream(classifier, source, sink.write, count)
            if count > 1:
                processes = done.processes
            return time.perf_counter() - started

        jieba_s = one_s = many_s = jieba_many_s = float("inf")
        with loaded_frozen():  # as `lantian classify` runs
            for _ in range(max(1, rounds)):
                jieba_s = min(jieba_s, time_jieba())
                one_s = min(one_s, time_classify(1))
                many_s = min(many_s, time_classify(workers))
                jieba_many_s = min(jieba_many_s, time_jieba_workers())
    load_after = os.getloadavg()
    return WallResult(
        corpus=corpus,
        megabytes=round(size_mb, 3),
        workers=workers,
        processes=processes,
        cpus=usable_cpus(),
        jieba_s=round(jieba_s, 3),
        one_worker_s=round(one_s, 3),
        workers_s=round(many_s, 3),
        jieba_mb_s=round(size_mb / jieba_s, 3),
        one_worker_mb_s=round(size_mb / one_s, 3),
        workers_mb_s=round(size_mb / many_s, 3),
        ratio_one_worker=round(jieba_s / one_s, 2),
        ratio_workers=round(jieba_s / many_s, 2),
        speed_up=round(one_s / many_s, 2),
        jieba_workers_s=round(jieba_many_s, 3),
        jieba_speed_up=round(jieba_s / jieba_many_s, 2),
        load_before=_rounded(load_before),
        load_after=_rounded(load_after),
    )


def _cut_in_processes(strings: list[str], count: int) -> float:
    """Wall seconds for ``count`` processes (forked where possible) to cut a share each."""
    import multiprocessing

    fork = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
    started = time.perf_counter()
    processes = [context.Process(target=_cut_all, args=(strings[i::count],)) for i in range(count)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        process.close()
    return time.perf_counter() - started


def _rounded(load: tuple[float, float, float]) -> tuple[float, float, float]:
    return (round(load[0], 2), round(load[1], 2), round(load[2], 2))


@dataclass(frozen=True, slots=True)
class StartUp:
    """Seconds (wall) to import the classifier, compile the rules and load jieba's dictionary."""

    import_s: float
    rules_s: float
    jieba_s: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in asdict(self).items()}


def measure_start_up(rules_dir: str, threshold: float) -> StartUp:
    """Start-up of a fresh interpreter, timed inside it (``python -c``), so nothing is cached."""
    import subprocess
    import sys

    probe = (
        "import json, time; from pathlib import Path; t0 = time.perf_counter(); "
        "from classifiers import load_default_classifier; t1 = time.perf_counter(); "
        f"c = load_default_classifier(Path({rules_dir!r}), {threshold!r}); t2 = time.perf_counter(); "
        "c.warm_up(); t3 = time.perf_counter(); print(json.dumps([t1 - t0, t2 - t1, t3 - t2]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    import_s, rules_s, jieba_s = json.loads(out.strip().splitlines()[-1])
    return StartUp(import_s, rules_s, jieba_s)
