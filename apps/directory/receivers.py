"""The directory's part in what lower apps do (connected in DirectoryConfig.ready)."""
