"""Emission: lanes (CUIT, punto de venta, tipo) drained one emitter at a time, in (fecha, arrival) order,
in batches of up to RegXReq per FECAESolicitar, with an in-flight record and reconciliation so that no
number is used twice and none is skipped (docs/queue.md, "Lanes")."""
