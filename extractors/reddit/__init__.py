"""Reddit through its Data API, with an app-only token: posts that name a brand or a competitor.

Stream:

* ``search`` — for each listening target (the brand and each competitor, account = the brand's
  slug), the link and self posts whose title or text holds one of its keywords, created on the
  window's UTC days plus ``lookback_days`` before (scores and comment counts keep moving, so
  recent days are re-read). Query: the keywords OR'ed, multi-word ones in double quotes
  (``"Lumo Strollers" OR #lumostrollers``; Reddit takes at most 512 characters). With
  ``sources.reddit.subreddits`` set, each subreddit is searched on its own
  (``/r/{sub}/search?restrict_sr=1``), otherwise all of Reddit (``/search``). Reddit has no date
  filter, so the extractor asks for ``sort=new`` with the smallest ``t`` (hour, day, week, month,
  year, all) reaching back to the window's first midnight, pages ``limit=100`` with
  ``after=<data.after>``, and stops at the first post older than the window (or when
  ``data.after`` is null). One record per post: the listing child's ``data`` as Reddit sent it
  plus ``_query``, under the UTC day of ``created_utc``; a post seen twice in one run (a new post
  shifts the pages) is landed once. Reddit lists only about 1,000 posts per search: when a listing
  ends there before reaching the window's start, older posts cannot be reached by search; the
  extractor warns and leaves those days, and the day it stopped in, unwritten rather than
  writing them incomplete.

Auth: the client-credentials grant (``POST /api/v1/access_token`` with HTTP Basic client id and
secret, the connection's login and password) gives a bearer token for an hour; it is fetched when
first needed and fetched again once when the API answers 401. Requests go to the connection's
host (default ``https://oauth.reddit.com``); the token to ``extra.token_url``, else
``{host}/api/v1/access_token`` when the connection has a host, else
``https://www.reddit.com/api/v1/access_token``. Reddit throttles generic User-Agents, so
``extra.user_agent`` is required, in Reddit's form ``<platform>:<app ID>:<version> (by
/u/<username>)``.

Reddit's signals, read by ``api.policy``: every API answer carries ``X-Ratelimit-Used``,
``X-Ratelimit-Remaining`` (a float) and ``X-Ratelimit-Reset`` (seconds to the end of the current
10-minute window). When the remaining requests drop below one, the client rests until the reset;
a 429 waits for the reset and retries; 5xx (and the CDN's HTML 503 pages) are retried with
backoff. Errors are ``{"message", "error"}``: 401 (token), 403 (a private or banned subreddit),
404 (no such subreddit).
"""

from __future__ import annotations

from extractors.reddit.source import Reddit

__all__ = ["Reddit"]
