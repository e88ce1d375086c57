// The Serving target. See ../../docs/architecture.md.
