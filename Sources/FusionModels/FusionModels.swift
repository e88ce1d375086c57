// The FusionModels target. See ../../docs/architecture.md.
