"""iPhone and iPad: a Finder or iTunes backup folder, read with the standard library only."""
