"""Chinese labels for statuses, severities, actions and categories shown in the UI."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

STATUS = {
    "new": "新发现",
    "flagged": "待审核",
    "confirmed": "已确认违规",
    "dismissed": "已排除",
    "escalated": "已上报",
    "removed": "已下架",
}
SEVERITY = {"high": "高", "medium": "中", "low": "低"}
#: the classifier's tier: flagged offers, pages kept to watch, and the rest
TIER = {"offer": "违规招揽", "watch": "观察", "none": "无"}
GENRE = {
    "seller_offer": "卖家广告",
    "shop_page": "店铺/服务页",
    "news": "新闻报道",
    "enforcement": "处罚决定/执法通报",
    "regulation": "法规/行业规则",
    "explainer": "说明/问答文章",
    "consumer_question": "消费者提问/投诉",
    "job_posting": "招聘",
    "course": "课程/考试培训",
    "retail": "零售商品",
    "other": "未定",
}
#: the stance of a hit in its block, and why one that did not count did not
STANCE = {
    "offered": "本人提供",
    "promoted": "推荐该做法（未直接提供）",
    "described": "第三人称描述",
    "reported": "报道/引用",
    "denied": "否认/拒绝",
    "asked": "询问",
    "hearsay": "转述他人",
}
BLOCK = {
    "title": "标题",
    "paragraph": "正文段落",
    "list_item": "列表项",
    "post": "帖子",
    "shop_header": "店铺头部",
    "banner": "横幅",
    "footer": "页脚",
    "other": "其他",
}
ACTION = {
    "confirm": "确认违规",
    "dismiss": "排除",
    "escalate": "上报主管",
    "assign": "指派",
    "note": "备注",
    "reopen": "重新打开",
}
ROLE = {"reviewer": "审核员", "supervisor": "主管", "admin": "管理员"}
RUN_STATUS = {
    "queued": "排队中",
    "running": "运行中",
    "succeeded": "已完成",
    "failed": "失败",
    "cancelled": "已取消",
}
ENTITY = {
    "phone": "电话",
    "wechat": "微信",
    "qq": "QQ",
    "email": "邮箱",
    "url": "网址",
    "agency_code": "机构代码",
    "agent_licence": "代理师证号",
    "company": "机构名称",
    "certificate_no": "证书号",
    "price": "价格",
    "forum_author": "论坛账号（发帖人）",
}
DISMISS_REASONS = [
    "正规代理机构的合规宣传",
    "新闻报道或政策宣传",
    "公众咨询或求助",
    "商品专利、零售用语（非代理业务）",
    "页面已失效或内容不全",
]
FALLBACK_CATEGORY_NAMES = {
    "guaranteed_grant": "承诺授权结果",
    "abnormal_patent": "非正常专利申请与专利买卖",
    "certificate_renting": "挂证与出借资质",
    "unlicensed_agency": "无资质代理",
    "trademark_malicious": "恶意商标注册与囤积",
    "false_claims": "虚假宣传",
}


@lru_cache(maxsize=4)
def categories(rules_dir: Path) -> dict[str, dict[str, Any]]:
    """key -> name, description, campaign clause and legal bases, from the classifier's category list."""
    try:
        from classifiers import load_categories

        loaded = load_categories(rules_dir)
    except Exception:  # noqa: BLE001 - the UI falls back to bare names rather than failing
        return {
            k: {"name": v, "description": "", "campaign": "", "legal_bases": [], "citations": []}
            for k, v in FALLBACK_CATEGORY_NAMES.items()
        }
    return {
        key: {
            "name": c.name,
            "description": c.description,
            "campaign": c.campaign,
            "legal_bases": list(c.legal_bases),
            "citations": [{"text": x.text, "status": x.status} for x in c.citations],
        }
        for key, c in loaded.items()
    }


CITATION_STATUS = {"checked": "已核实", "secondary": "据二手资料核实", "unchecked": "待核实"}


def split_citations(text: str, rules_dir: Path) -> list[dict[str, str]]:
    """A stored hit's legal basis ("；"-joined) as citations with their status, for badges."""
    from classifiers import CategoryError, citation_status

    out: list[dict[str, str]] = []
    for part in (p.strip() for p in (text or "").split("；")):
        if not part:
            continue
        try:
            status: str = citation_status(part, rules_dir)
        except CategoryError:
            status = "unchecked"
        out.append({"text": part, "status": status})
    return out


def offices(rules_dir: Path) -> list[Any]:
    """The office directory for selects; empty (not an error page) if the file is broken."""
    from classifiers import OfficeError, load_directory

    try:
        return list(load_directory(rules_dir).offices)
    except OfficeError:
        return []
