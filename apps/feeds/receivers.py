"""Feeds' part in what lower apps do (connected in FeedsConfig.ready)."""
