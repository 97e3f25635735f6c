"""The signal a spider sends when a page tells that the profile no longer fits the platform.

``kind`` is ``broken`` (the page type's selectors matched nothing on a 200
response) or ``blocked`` (the page is an anti-bot, CAPTCHA or login page the
profile declares).  ``crawler.extensions.health.ProfileHealth`` counts them,
records the run problem with a sample page, backs off and alerts.
"""

from __future__ import annotations

page_problem = object()
