"""Builds the sandbox :class:`~sandbox.model.World` from a seed.

Everything random comes from one ``random.Random(seed)``, consumed in a fixed
order, so the same seed always yields the same world (and the same truth).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sandbox import vocab
from sandbox.model import (
    CATEGORIES,
    FORUM,
    MARKET,
    SEARCH,
    Board,
    Fault,
    Item,
    LandingPage,
    Page,
    Post,
    Shop,
    Site,
    Text,
    Thread,
    World,
)
from sandbox.writer import Writer

DEFAULT_SEED = 2025
CITY_MARK = "〔城市〕"

#: Pairs that co-occur in real ads: (primary, secondary).
SECONDARY = {
    "guaranteed_grant": ["false_claims", "unlicensed_agency"],
    "abnormal_patent": ["guaranteed_grant", "unlicensed_agency", "false_claims"],
    "certificate_renting": ["unlicensed_agency"],
    "unlicensed_agency": ["guaranteed_grant", "abnormal_patent"],
    "trademark_malicious": ["guaranteed_grant", "false_claims"],
    "false_claims": ["guaranteed_grant", "abnormal_patent"],
}
JS_MODES: tuple[Literal["inline", "fetch"], ...] = ("inline", "fetch")
CHARSET_PLACES: tuple[Literal["header", "meta", "both"], ...] = ("header", "meta", "both")
SEO_CATEGORIES = [
    "abnormal_patent",
    "certificate_renting",
    "trademark_malicious",
    "unlicensed_agency",
    "guaranteed_grant",
]
IP_TAGS = " 知识产权 专利 商标 代理"


class Balancer:
    """Hands out primary categories so that every category is used about equally."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counts: Counter[str] = Counter({c: 0 for c in CATEGORIES})

    def next(self, allowed: list[str] | None = None) -> str:
        pool = allowed or list(CATEGORIES)
        low = min(self.counts[c] for c in pool)
        choice = self.rng.choice([c for c in pool if self.counts[c] == low])
        self.counts[choice] += 1
        return choice

    def categories(self, allowed: list[str] | None = None, multi: float = 0.25) -> list[str]:
        primary = self.next(allowed)
        cats = [primary]
        if self.rng.random() < multi:
            cats.append(self.rng.choice(SECONDARY[primary]))
        return cats


@dataclass
class Plan:
    """How many of each thing to make; the defaults give about 800 pages."""

    seo_blogs: int = 8
    grey_sites: int = 8
    city_template_sites: int = 2
    trad_mirrors: int = 2
    banner_sites: int = 3
    agency_sites: int = 8
    news_sites: int = 6
    gov_sites: int = 2
    brand_sites: int = 4
    exam_sites: int = 1
    grey_shops: int = 10
    trademark_shops: int = 4
    cert_shops: int = 2
    licensed_shops: int = 7
    product_shops: int = 10
    exam_shops: int = 2
    forum_ads: int = 85
    forum_soft: int = 20
    forum_scam_questions: int = 55
    forum_victims: int = 20
    forum_news: int = 25
    forum_guides: int = 55
    forum_exam: int = 15
    forum_jobs: int = 6
    forum_transfer: int = 10


class Generator:
    def __init__(self, seed: int, plan: Plan | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.w = Writer(self.rng)
        self.plan = plan or Plan()
        self.balance = Balancer(self.rng)
        self._counter: Counter[str] = Counter()

    def new_id(self, prefix: str, width: int = 4) -> str:
        self._counter[prefix] += 1
        return f"{prefix}{self._counter[prefix]:0{width}d}"

    def level(self, heavy: bool = False) -> int:
        weights = [30, 40, 30] if heavy else [45, 35, 20]
        return self.rng.choices([0, 1, 2], weights)[0]

    # ------------------------------------------------------------------ search
    def build_sites(self) -> list[Site]:
        p = self.plan
        sites: list[Site] = []
        specs = (
            [("seo_blog", (6, 9))] * p.seo_blogs
            + [("grey_company", (5, 8))] * p.grey_sites
            + [("city_template", (9, 12))] * p.city_template_sites
            + [("trad_mirror", (5, 7))] * p.trad_mirrors
            + [("banner_site", (5, 7))] * p.banner_sites
            + [("agency", (5, 7))] * p.agency_sites
            + [("news", (7, 9))] * p.news_sites
            + [("gov", (5, 7))] * p.gov_sites
            + [("brand", (4, 6))] * p.brand_sites
            + [("exam", (4, 6))] * p.exam_sites
        )
        for index, (genre, (lo, hi)) in enumerate(specs, start=1):
            site = self.make_site(index, genre)
            self.fill_site(site, self.rng.randint(lo, hi))
            sites.append(site)
        return sites

    def make_site(self, index: int, genre: str) -> Site:
        w = self.w
        brand = self.rng.choice(vocab.BRAND_WORDS)
        slug = f"{genre.replace('_', '')[:6]}{index:02d}"
        names = {
            "seo_blog": f"{brand}知产百科",
            "grey_company": w.grey_company(),
            "city_template": f"{brand}专利服务网",
            "trad_mirror": f"{brand}知識產權資訊網",
            "banner_site": f"{brand}专利商标网",
            "agency": w.agency(),
            "news": f"{w.rng.choice(vocab.CITIES)}{w.rng.choice(['日报', '晚报', '科技报', '商报'])}",
            "gov": f"{w.rng.choice(vocab.CITIES)}市知识产权局",
            "brand": f"{w.rng.choice(vocab.BRAND_NAMES)}官网",
            "exam": f"{brand}法考教育",
        }
        banner, footer, cats = "", "", []
        if genre in ("banner_site",) or (
            genre in ("seo_blog", "grey_company") and self.rng.random() < 0.5
        ):
            cats = self.balance.categories(
                ["guaranteed_grant", "false_claims", "unlicensed_agency"], multi=0.3
            )
            banner = self.w.claim_line(cats, self.level()).body
        elif genre == "agency":
            banner = f"经国家知识产权局批准设立 机构代码{w.fill('{code}')} ｜ 不承诺授权结果，如实告知风险"
        elif genre in ("news", "gov"):
            banner = "权威发布 ｜ 知识产权保护 ｜ 营商环境"
        else:
            banner = w.pick(vocab.SERVICE_LINES)
        footer = f"© 2025 {names[genre]} ｜ 地址：{w.fill('{city}')}市高新区 ｜ 电话：{w.phone()}"
        if genre == "banner_site" and self.rng.random() < 0.4:
            banner, footer = w.pick(vocab.SERVICE_LINES), f"{footer} ｜ {banner}"
        domain = f"www.{slug}.example.cn"
        return Site(slug, names[genre], domain, genre, banner, footer, cats)

    def site_text(self, site: Site) -> Text:
        g = site.genre
        r = self.rng.random()
        if g == "seo_blog":
            if r < 0.75:
                return self.w.seo_article(self.balance.next(SEO_CATEGORIES), self.level())
            return self.w.negative("guide")
        if g == "grey_company":
            if r < 0.85:
                return self.w.ad(self.balance.categories(), self.level())
            return self.w.negative("guide")
        if g == "trad_mirror":
            if r < 0.5:
                text = self.w.seo_article(self.balance.next(SEO_CATEGORIES), 0)
            elif r < 0.8:
                text = self.w.ad(self.balance.categories(), self.level())
            else:
                text = self.w.negative(self.rng.choice(["news", "guide"]))
            return self.w.to_traditional(text)
        if g == "banner_site":
            return self.w.negative("guide")
        if g == "agency":
            return self.w.negative(
                self.rng.choices(
                    ["licensed_agency", "guide", "job", "tech_transfer"], [5, 3, 1, 1]
                )[0]
            )
        if g == "news":
            return self.w.negative(self.rng.choices(["news", "warning", "victim"], [6, 2, 1])[0])
        if g == "gov":
            return self.w.negative(self.rng.choice(["warning", "tech_transfer", "news"]))
        if g == "brand":
            return self.w.negative("product")
        if g == "exam":
            return self.w.negative("exam_prep")
        raise ValueError(f"unknown site genre {g!r}")

    def fill_site(self, site: Site, count: int) -> None:
        template: Text | None = None
        cities = self.rng.sample(vocab.CITIES, count)
        for n in range(1, count + 1):
            if site.genre == "city_template":
                if template is None:
                    cat = self.rng.choice(["certificate_renting", "abnormal_patent"])
                    self.balance.counts[cat] += count
                    self.w.fixed_city = CITY_MARK
                    template = self.w.seo_article(cat, self.level())
                    template.title = CITY_MARK + template.title.replace(CITY_MARK, "")
                    template.paragraphs.insert(0, self.w.pick(vocab.CITY_TEMPLATE_LEADS))
                    self.w.fixed_city = None
                city = cities[n - 1]
                text = Text(
                    template.title.replace(CITY_MARK, city),
                    [p.replace(CITY_MARK, city) for p in template.paragraphs],
                    list(template.categories),
                    list(template.disguises),
                    template.genre,
                    template.search_terms.replace(CITY_MARK, city),
                )
            else:
                text = self.site_text(site)
            text.search_terms += IP_TAGS
            page = LandingPage(
                id=self.new_id("l"),
                platform=SEARCH,
                kind="landing",
                path=f"/site/{site.slug}/{n}.html",
                text=text,
                site=site,
                date=self.date(),
                source=site.name,
            )
            page.extra_categories = list(site.banner_categories)
            page.claim_location = (
                "body" if text.categories else ("banner" if site.banner_categories else "none")
            )
            site.pages.append(page)

    # ------------------------------------------------------------------ market
    def build_shops(self) -> tuple[list[Shop], list[Item]]:
        p = self.plan
        specs = (
            [("grey", (8, 12))] * p.grey_shops
            + [("trademark", (7, 10))] * p.trademark_shops
            + [("cert", (4, 6))] * p.cert_shops
            + [("licensed", (6, 8))] * p.licensed_shops
            + [("product", (7, 9))] * p.product_shops
            + [("exam", (4, 6))] * p.exam_shops
        )
        self.rng.shuffle(specs)
        shops: list[Shop] = []
        items: list[Item] = []
        for genre, (lo, hi) in specs:
            shop = self.make_shop(genre)
            shops.append(shop)
            for _ in range(self.rng.randint(lo, hi)):
                item = self.make_item(shop, genre)
                shop.items.append(item)
                items.append(item)
        return shops, items

    def make_shop(self, genre: str) -> Shop:
        w = self.w
        sid = self.new_id("s", 3)
        province, cities = self.rng.choice(vocab.PROVINCE_CITIES)
        region = f"{province} {self.rng.choice(cities)}" if cities else province
        seller = w.nickname()
        if genre == "grey":
            name = self.rng.choice(
                [
                    f"{w.person()}知产工作室",
                    f"{self.rng.choice(vocab.BRAND_WORDS)}专利商标代办",
                    f"{seller}的小店",
                    f"{self.rng.choice(vocab.BRAND_WORDS)}知识产权服务",
                ]
            )
            cats = ["unlicensed_agency"] if self.rng.random() < 0.6 else []
            intro = (
                w.claim_line(cats, self.level()).body
                if cats
                else w.pick(vocab.SERVICE_LINES) + w.contact()
            )
            licence = ""
        elif genre == "trademark":
            name = f"{self.rng.choice(vocab.BRAND_WORDS)}商标转让网"
            cats = ["trademark_malicious"]
            intro = w.pick(vocab.TRADEMARK_CLAIMS)
            licence = ""
        elif genre == "cert":
            name = f"{seller}的闲置"
            cats, intro, licence = [], "个人闲置，诚心出，不议价。", ""
        elif genre == "licensed":
            name = w.agency()
            cats = []
            intro = w.pick(vocab.LICENSED_PARAGRAPHS)
            licence = f"专利代理机构执业许可证 机构代码{w.fill('{code}')} ｜ 营业执照已公示"
        elif genre == "product":
            name = f"{self.rng.choice(vocab.BRAND_NAMES)}官方旗舰店"
            cats, intro, licence = [], w.pick(vocab.PRODUCT_PARAGRAPHS), "营业执照已公示"
        else:
            name = f"{self.rng.choice(vocab.BRAND_WORDS)}考试教育"
            cats, intro, licence = [], w.pick(vocab.EXAM_PARAGRAPHS), "营业执照已公示"
        text = Text(
            name, [intro], cats, genre=f"shop_{genre}", search_terms=name + " " + intro + IP_TAGS
        )
        shop = Shop(
            id=sid,
            platform=MARKET,
            kind="shop",
            path=f"/shop/{sid}",
            text=text,
            name=name,
            seller=seller,
            region=region,
            licence=licence,
        )
        shop.claim_location = "shop" if cats else "none"
        return shop

    def make_item(self, shop: Shop, genre: str) -> Item:
        r = self.rng.random()
        if genre == "grey":
            if r < 0.85:
                allowed = [
                    "guaranteed_grant",
                    "abnormal_patent",
                    "unlicensed_agency",
                    "false_claims",
                ]
                text = self.w.ad(self.balance.categories(allowed), self.level(heavy=True))
            else:
                text = self.w.negative("guide")
                text.title = self.w.pick(vocab.LICENSED_TITLES)
        elif genre == "trademark":
            if r < 0.85:
                text = self.w.ad(
                    self.balance.categories(["trademark_malicious"]), self.level(heavy=True)
                )
            else:
                text = self.w.negative("own_trademark")
        elif genre == "cert":
            text = self.w.ad(
                self.balance.categories(["certificate_renting"]), self.level(heavy=True)
            )
        elif genre == "licensed":
            text = self.w.negative("licensed_agency")
        elif genre == "product":
            text = self.w.negative("product")
        else:
            text = self.w.negative("exam_prep")
        if genre in ("grey", "trademark", "licensed", "cert") and self.rng.random() < 0.7:
            text.paragraphs += self.w.picks(vocab.PURCHASE_NOTES, self.rng.randint(1, 3))
        text.search_terms += " " + shop.name + IP_TAGS
        iid = self.new_id("m")
        price = round(
            self.rng.choice(
                [9.9, 19.9, 49, 99, 199, 299, 399, 599, 899, 1280, 2580, 3999, 6800, 12800]
            )
            * self.rng.choice([1, 1, 1, 0.9, 1.2]),
            2,
        )
        item = Item(
            id=iid,
            platform=MARKET,
            kind="listing",
            path=f"/item/{iid}.html",
            text=text,
            shop=shop,
            price=price,
            sales=self.rng.choice([0, 1, 3, 8, 15, 36, 88, 120, 356, 1024, 2301]),
            seller=shop.seller,
            region=shop.region,
            js_mode=self.rng.choices(JS_MODES, [6, 4])[0],
            legacy_id=600_000_000 + self._counter["m"] * 7919,
        )
        item.claim_location = "body" if text.categories else "none"
        return item

    # ------------------------------------------------------------------- forum
    def build_forum(self) -> tuple[list[Board], list[Thread]]:
        boards = [
            Board(f"b{i}", name, intro) for i, (name, intro) in enumerate(vocab.BOARDS, start=1)
        ]
        by_name = {b.name: b for b in boards}
        p = self.plan
        kinds = (
            ["ad"] * p.forum_ads
            + ["soft"] * p.forum_soft
            + ["scam_question"] * p.forum_scam_questions
            + ["victim"] * p.forum_victims
            + ["news"] * p.forum_news
            + ["guide"] * p.forum_guides
            + ["exam_prep"] * p.forum_exam
            + ["job"] * p.forum_jobs
            + ["tech_transfer"] * p.forum_transfer
        )
        self.rng.shuffle(kinds)
        threads: list[Thread] = []
        for kind in kinds:
            thread = self.make_thread(kind)
            board = by_name[self.board_for(kind, thread.text)]
            thread.board = board
            board.threads.append(thread)
            threads.append(thread)
        return boards, threads

    def board_for(self, kind: str, text: Text) -> str:
        if kind == "exam_prep":
            return "代理师考试"
        if kind in ("news", "tech_transfer", "job"):
            return "行业动态"
        if kind == "victim":
            return "维权求助"
        cats = text.categories
        if cats and cats[0] == "trademark_malicious":
            return "商标注册"
        if cats and cats[0] == "abnormal_patent":
            return self.rng.choice(["职称评审", "专利申请"])
        return self.rng.choice(["专利申请", "商标注册", "维权求助", "职称评审"])

    def make_thread(self, kind: str) -> Thread:
        w = self.w
        if kind == "ad":
            text = w.ad(self.balance.categories(), self.level(heavy=True))
            if self.rng.random() < 0.5:
                text.title = w.fill(self.rng.choice(vocab.FORUM_AD_TAGS)) + text.title
            if self.rng.random() < 0.4:
                text.paragraphs.append(w.pick(vocab.FORUM_AD_TAILS))
        elif kind == "soft":
            text = w.seo_article(self.balance.next(SEO_CATEGORIES), self.level())
        elif kind == "guide":
            text = w.negative("guide")
            text.title = self.rng.choice(["请教：", "求助：", "分享：", ""]) + text.title
        else:
            text = w.negative(kind)
        text.search_terms += IP_TAGS
        tid = self.new_id("t")
        n_replies = self.rng.choices(
            [self.rng.randint(0, 4), self.rng.randint(5, 12), self.rng.randint(15, 45)],
            [40, 45, 15],
        )[0]
        op = Post(1, w.nickname(), "", text.body, list(text.categories))
        posts = [op]
        extra: list[str] = []
        ad_floor = 0
        if (
            kind in ("scam_question", "victim", "guide")
            and self.rng.random() < 0.25
            and n_replies >= 2
        ):
            ad_floor = self.rng.randint(2, n_replies + 1)
        if kind == "victim":
            pools, weights = [vocab.REPLIES_TRADEMARK, vocab.REPLIES_CHATTER], [6, 3]
        elif kind in ("scam_question", "news"):
            pools, weights = (
                [vocab.REPLIES_WARNING, vocab.REPLIES_NEUTRAL, vocab.REPLIES_CHATTER],
                [5, 2, 3],
            )
        else:
            pools, weights = (
                [vocab.REPLIES_WARNING, vocab.REPLIES_NEUTRAL, vocab.REPLIES_CHATTER],
                [1, 3, 5],
            )
        contents = w.replies(pools, weights, n_replies)
        for floor, content in zip(range(2, n_replies + 2), contents, strict=True):
            if floor == ad_floor:
                allowed = ["trademark_malicious"] if kind == "victim" else None
                cats = self.balance.categories(allowed, multi=0.2)
                ad = w.claim_line(cats, self.level(heavy=True), vocab.REPLY_AD_LEADS)
                posts.append(Post(floor, w.nickname(), "", ad.body, cats))
                extra.extend(c for c in cats if c not in extra)
                continue
            posts.append(Post(floor, w.nickname(), "", content))
        day = self.rng.randint(1, 300)
        for i, post in enumerate(posts):
            post.time = self.date(day + i // 4, hour=(8 + i * 3) % 24)
        thread = Thread(
            id=tid, platform=FORUM, kind="thread", path=f"/thread/{tid}", text=text, posts=posts
        )
        thread.extra_categories = extra
        thread.claim_location = "body" if text.categories else ("reply" if extra else "none")
        return thread

    # ----------------------------------------------------------------- helpers
    def date(self, day: int | None = None, hour: int | None = None) -> str:
        import datetime as dt

        d = dt.date(2025, 1, 1) + dt.timedelta(
            days=self.rng.randint(0, 320) if day is None else min(day, 330)
        )
        h = self.rng.randint(7, 23) if hour is None else hour
        return f"{d.isoformat()} {h:02d}:{self.rng.randint(0, 59):02d}"

    # ----------------------------------------------------- transport features
    def assign_transport(self, pages: list[Page]) -> None:
        """Encodings, robots-disallowed paths, faults and redirect aliases."""
        for page in pages:
            page.removed_style = self.rng.choice(["notice", "404"])
            is_trad = "traditional" in page.text.disguises or (
                isinstance(page, LandingPage)
                and page.site is not None
                and page.site.genre == "trad_mirror"
            )
            r = self.rng.random()
            if is_trad and r < 0.7:
                page.encoding = "big5"
            elif r < 0.13:
                page.encoding = "gbk"
                if self.rng.random() < 0.3:
                    page.charset_label = "gb2312"  # common in the wild; the bytes are GBK
            elif r < 0.15:
                page.encoding = "gb18030"
            if page.encoding != "utf-8":
                page.charset_in = self.rng.choices(CHARSET_PLACES, [4, 3, 3])[0]
        by_platform: dict[str, list[Page]] = {}
        for page in pages:
            if page.kind != "shop":
                by_platform.setdefault(page.platform, []).append(page)
        for _platform, group in sorted(by_platform.items()):
            chosen = self.rng.sample(group, 4 + 5 + 5 + 4)
            for page in chosen[:4]:
                page.robots_disallowed = True
                page.path = "/private" + page.path
            for page in chosen[4:9]:
                page.fault = "slow"
            for page in chosen[9:14]:
                page.fault = "transient_500"
            for page in chosen[14:18]:
                page.fault = "transient_429"

    def make_stubs(self, sites: list[Site], shops: list[Shop], boards: list[Board]) -> list[Page]:
        """Dead links (404) and broken pages (500 forever), listed where real ones are."""
        stubs: list[Page] = []
        dead: list[Fault] = ["not_found"] * 4
        broken: list[Fault] = ["error_500"] * 2
        faults = dead + broken
        for i, fault in enumerate(faults):
            title = self.w.negative("guide")
            title.paragraphs, title.categories = [], []
            title.search_terms = title.title + IP_TAGS
            site = sites[self.rng.randrange(len(sites))]
            stubs.append(
                LandingPage(
                    id=self.new_id("x"),
                    platform=SEARCH,
                    kind="landing",
                    path=f"/site/{site.slug}/{900 + i}.html",
                    text=title,
                    fault=fault,
                    site=site,
                    date=self.date(),
                    source=site.name,
                )
            )
            shop = shops[self.rng.randrange(len(shops))]
            item_text = Text(self.w.pick(vocab.LICENSED_TITLES), [], genre="stub")
            item_text.search_terms = item_text.title + " " + shop.name + IP_TAGS
            item = Item(
                id=self.new_id("x"),
                platform=MARKET,
                kind="listing",
                path=f"/item/m{9900 + i}.html",
                text=item_text,
                fault=fault,
                shop=shop,
                price=99.0,
                seller=shop.seller,
                region=shop.region,
            )
            shop.items.append(item)
            stubs.append(item)
            board = boards[self.rng.randrange(len(boards))]
            thread_text = Text(self.w.pick(vocab.SCAM_Q_TITLES), [], genre="stub")
            thread_text.search_terms = thread_text.title + IP_TAGS
            thread = Thread(
                id=self.new_id("x"),
                platform=FORUM,
                kind="thread",
                path=f"/thread/t{9900 + i}",
                text=thread_text,
                fault=fault,
                board=board,
                posts=[Post(1, self.w.nickname(), self.date(), "")],
            )
            board.threads.insert(self.rng.randrange(len(board.threads) + 1), thread)
            stubs.append(thread)
        for stub in stubs:
            stub.text.genre = "stub"
        return stubs

    def link_operators(
        self, items: Sequence[Item], threads: Sequence[Thread], landing: Sequence[Page]
    ) -> None:
        """A few operators advertise on several platforms under one WeChat id, as real ones do:
        the same id ends two marketplace ads, a forum ad and, where there is one, a search-result
        landing page.  A separate random stream, so the rest of the world is unchanged."""
        rng = random.Random(f"{self.seed}-operators")
        ads = [i for i in items if i.text.irregular]
        posts = [t for t in threads if t.text.irregular and t.posts]
        pages = [p for p in landing if p.text.irregular]
        if len(ads) < 2 * OPERATORS or len(posts) < OPERATORS:
            return
        chosen_ads = rng.sample(ads, 2 * OPERATORS)
        chosen_posts = rng.sample(posts, OPERATORS)
        chosen_pages = rng.sample(pages, min(OPERATORS, len(pages)))
        for n in range(OPERATORS):
            wx = f"{rng.choice(vocab.WX_PREFIXES)}{rng.randint(100000, 999999)}"
            line = f"长期合作请加微信：{wx}"
            for item in chosen_ads[2 * n : 2 * n + 2]:
                item.text.paragraphs.append(line)
            thread = chosen_posts[n]
            thread.text.paragraphs.append(line)
            thread.posts[0].content += "\n" + line
            if n < len(chosen_pages):
                chosen_pages[n].text.paragraphs.append(line)

    def build(self) -> World:
        sites = self.build_sites()
        shops, items = self.build_shops()
        boards, threads = self.build_forum()
        landing = [p for s in sites for p in s.pages]
        self.link_operators(items, threads, landing)
        self.assign_transport([*landing, *shops, *items, *threads])
        stubs = self.make_stubs(sites, shops, boards)
        for item in items:
            item.redirect_from.append(f"/item.htm?id={item.legacy_id}")
        for n, thread in enumerate(threads, start=1):
            thread.redirect_from.append(f"/p/{7_000_000 + n * 13}")
        for page in landing:
            if self.rng.random() < 0.35:
                page.redirect_from.append(f"/link?url={page.id}")
        index: list[Page] = list(landing)
        index += [t for t in threads if self.rng.random() < 0.2]
        index += [i for i in items if self.rng.random() < 0.1]
        index += [s for s in stubs if s.platform == SEARCH]
        self.rng.shuffle(index)
        return World(self.seed, sites, shops, items, boards, threads, stubs, index)


OPERATORS = 6
"""Operators linked across platforms by one contact (see ``Generator.link_operators``)."""


def build_world(seed: int = DEFAULT_SEED, plan: Plan | None = None) -> World:
    """The sandbox world for ``seed`` (same seed, same world)."""
    return Generator(seed, plan).build()
