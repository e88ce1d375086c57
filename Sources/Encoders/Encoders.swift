// The Encoders target. See ../../docs/architecture.md.
