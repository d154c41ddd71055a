"""X (Twitter) through the X API v2, with an app-only bearer token.

Streams:

* ``user`` — the user object (``public_metrics.followers_count`` and friends) as of the run: a
  snapshot. X has no account-level daily metrics, so this is the only follower number there is.
* ``tweets`` — the user's timeline (``GET /2/users/:id/tweets``) over the window plus
  ``tweet_lookback_days``, without retweets and replies (quotes stay: they are the account's own
  posts). Partitioned by the UTC day of ``created_at``: X reports in UTC. The window's UTC day
  bounds go in ``start_time``/``end_time`` (``end_time`` is exclusive and X refuses one later
  than now minus 10 s, so it is clamped). Paging: ``meta.next_token`` -> ``pagination_token``.
  Media types arrive once per page under ``includes.media``; each landed tweet is the object as
  X sent it plus ``_media``: the ``includes.media`` objects of its ``attachments.media_keys``, in
  order (empty when it has none), so a record alone says whether it is a photo, video or GIF.
  The timeline only reaches the 3,200 most recent tweets; older ones cannot be re-read.
* ``tweet_metrics`` — a daily re-snapshot of the live counters of recent tweets: the ids of the
  tweets created on the snapshot day and the ``tweet_lookback_days`` before it (read from the
  timeline), then ``GET /2/tweets?ids=`` in batches of 100. One record per tweet (``id``,
  ``created_at``, ``public_metrics``, as sent) under the snapshot day: the history of counters
  the warehouse differences into daily activity.
* ``search`` — recent search (``GET /2/tweets/search/recent``) for each listening target (the
  brand, then each competitor; account = the target's slug): ``(<keywords OR'ed; phrases in
  quotes>) -is:retweet -from:<id>`` for every configured X account, own and competitors', so a
  brand's own posts are not counted as mentions; a query over 512 characters is refused before
  asking. X keeps 7 days: only UTC days from today - 6 are asked for and landed (older days of a
  window are neither asked for nor written, so what an earlier run landed for them stays).
  ``start_time`` is the first such midnight, ``end_time`` clamped like the timeline's; paging:
  ``meta.next_token`` -> ``next_token`` (at least 10 per page). Partitioned by the UTC day of
  ``created_at``. Each landed post is the tweet as sent plus ``_author`` (its ``includes.users``
  object, or null) and ``_query``. A post naming two brands lands under both targets.

* ``mentions`` — the own account's mentions timeline (``GET /2/users/:id/mentions``): tweets
  that name ``@<username>``, with ``author_id`` expanded (``_author``: ``username``, ``name``,
  ``public_metrics.followers_count``, as in ``search``). X serves only the last 7 days (and at
  most the 800 most recent), so, as for ``search``, only UTC days from today - 6 are asked for and
  landed, re-read ``search_lookback_days`` back; when a run receives 800 mentions, the days up to
  the oldest one received may be cut short and are left unwritten (with a warning). Paging:
  ``meta.next_token`` -> ``pagination_token``. Partitioned by the UTC day of ``created_at``.
* ``replies`` — the own account's replies (what first response times are measured by): the same
  timeline as ``tweets`` but with ``exclude=retweets`` only, keeping the tweets that reference a
  ``replied_to`` tweet. A separate stream rather than a wider ``tweets`` read, so the own-post
  tables stay as they are; the timeline reaches back 3,200 tweets, not 7 days, so a plain window
  with ``search_lookback_days`` of re-reads. Partitioned by the UTC day of ``created_at``.

The source's ``clock`` is "now" for the streams that bound requests by time (``end_time``, the
7 days of recent search); tests set it to the demo server's today.

X's signals, read by ``api.RULES``: every response carries ``x-rate-limit-limit``,
``-remaining`` and ``-reset`` (epoch seconds). A 429 "Too Many Requests" waits for the reset; a
429 whose problem ``type`` is ``.../usage-capped`` is the monthly usage cap, which no retry will
lift, so it fails at once. A 401 means the bearer token is wrong or revoked. A 400 "Invalid
Request" names the refused parameter in ``errors[].message``. A 200 may carry ``errors[]`` beside
``data`` (a tweet deleted since we listed it): those are logged and the rest is landed.
"""

from __future__ import annotations

from extractors.x.source import X

__all__ = ["X"]
