"""Forums: board or search pages, threads, and every reply page merged into its thread."""

from __future__ import annotations

from spiders.base import ProfileSpider


class ForumSpider(ProfileSpider):
    """A thread is one listing: its reply pages continue it (``continues: true`` in the profile)."""

    name = "forum"
