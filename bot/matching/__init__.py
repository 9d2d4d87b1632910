"""Finding mentors: the fit rule, `/mentor find`, intro requests and match rounds."""
