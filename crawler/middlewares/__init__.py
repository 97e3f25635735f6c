"""Downloader middlewares: safety (private networks, binaries), decoding, retries, sessions."""

from crawler.middlewares.encoding import EncodingMiddleware
from crawler.middlewares.guard import ResponseGuard
from crawler.middlewares.retry import BackoffRetryMiddleware
from crawler.middlewares.session import ProfileSessionMiddleware
from crawler.middlewares.ssrf import PrivateNetworkGuard

__all__ = [
    "BackoffRetryMiddleware",
    "EncodingMiddleware",
    "PrivateNetworkGuard",
    "ProfileSessionMiddleware",
    "ResponseGuard",
]
