"""The domain shared by producers and the emitter: TusFacturas wire format, validation, code tables,
amounts and the WSFEv1 mapping, the answers of TusFacturas' pages, and the Redis store of comprobantes."""
