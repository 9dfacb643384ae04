"""Where recorded runs are sent: files (export) and OpenTelemetry collectors (OTLP)."""
