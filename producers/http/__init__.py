"""The HTTP API: TusFacturas' paths over the Python API. It only parses, authenticates and serialises."""
