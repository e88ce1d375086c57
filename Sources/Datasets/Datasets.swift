// The Datasets target. See ../../docs/architecture.md.
