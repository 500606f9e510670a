"""Documents attached to a case: bytes encrypted in an S3 object store, metadata on Kafka."""
