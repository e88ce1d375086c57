// The Training target. See ../../docs/architecture.md.
