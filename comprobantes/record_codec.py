"""How a comprobante's record is stored: one Redis string per comprobante, its fields and audit trail as
JSON compressed with a preset dictionary (docs/queue.md, "What Redis holds").

A hash of the record's fields would be kept by Redis in its large encoding (a hashtable: the body is
longer than `hash-max-listpack-value`), at about 3 KB per comprobante; one compressed value is about a
tenth of that. The preset dictionary is what makes a small record compress: deflate finds the field
names and common values of every comprobante in it instead of spelling them out once per record (zlib's
`zdict`, https://docs.python.org/3/library/zlib.html#zlib.compressobj).

A value is `<version>:<dictionary>:<raw deflate>`. The version comes first and uncompressed so that a
reader who holds a record can check that it is still the stored one by reading a few bytes
(Store.current). A stored value names the dictionary it was compressed with: a dictionary, once
released, never changes, and a new one gets a new number.
"""

from __future__ import annotations

import json
import zlib

# Read by Store.current to learn a stored record's version: longer than any "<version>:" prefix.
PREFIX_BYTES = 16
_LEVEL = 6
_WBITS = -15  # raw deflate: no zlib header nor checksum, which a Redis value does not need
# What the compressor allocates: its window (2**13 bytes holds a dictionary and a record of a few detail
# lines) and its hash tables (memLevel 4). zlib's defaults (2**15 and 8) allocate about 256 KB per record,
# which cost more than the compression itself (BENCHMARKS.md, E1). Every record of
# tests/data/store-7479e41.json compresses to the same bytes either way; decode's window of 2**15 reads
# values written with any smaller one.
_COMPRESS_WBITS = -13
_MEM_LEVEL = 4

# Dictionary 1: a record as Store writes one, emitted, with the fields and values most comprobantes share
# (tests/support/bodies.py's item, TusFacturas' examples) and none of a particular taxpayer or customer
# (CUIT, document, names), which would make the tests' records compress better than anyone's. Deflate
# looks back from the end of the dictionary, so what is most common comes last.
_DICTIONARY_1 = (
    '"observaciones":"[]","last_error":"[]","afip_qr":"https://www.afip.gob.ar/fe/qr/?p=eyJ2ZXIiOjEsImZlY2hhIjoi'
    'MjAyNi0","cae_vto":"2026","cae":"","numero":"","emitted_at":"","batch":"","mail":"","instant":"1",'
    '"fecha_minima":"","abono_base":"","lote_ref":"","notify":"0","facturacion_lote_id_referencia":"",'
    '"periodo_facturado_desde":"","periodo_facturado_hasta":"","percepciones_iibb":"0","percepciones_iva":"0",'
    '"impuestos_internos":"0","bonificacion":"0","leyenda_gral":"","tributos":[],"rubro":"Servicios",'
    '"condicion_iva":"RI","documento_tipo":"CUIT","condicion_iva":"M","condicion_iva":"E",'
    '{"at":17,"estado":"procesando","lote":"b"},{"at":17,"estado":"emitido","numero":1,"cae":"7",'
    '"intento":1,"reconciliado":false,"observaciones":[]},{"at":17,"estado":"error","intento":1,"motivo":"",'
    '"mensajes":[]},{"at":17,"estado":"encolado","motivo":"cambio de fecha"}'
    '"id":"1","state":"encolado","version":"1",'
    '"external_reference":"","tipo":"FACTURA B","cbte_tipo":"6","pto_vta":"1","cuit":"2",'
    '"fecha":"2026-12-01","vencimiento":"2026-12-01","seq":"1","attempts":"0","created":"1796597886.2815695",'
    '"updated":"1796597886.2815695","body":"{\\"cliente\\": {\\"documento_tipo\\": \\"DNI\\", '
    '\\"documento_nro\\": \\"\\", \\"razon_social\\": \\"\\", \\"condicion_iva\\": \\"CF\\", '
    '\\"domicilio\\": \\"\\", \\"provincia\\": \\"2\\", \\"email\\": \\"@gmail.com\\", \\"envia_por_mail\\": '
    '\\"N\\", \\"condicion_pago\\": \\"201\\"}, \\"comprobante\\": {\\"fecha\\": \\"01/12/2026\\", '
    '\\"vencimiento\\": \\"01/12/2026\\", \\"tipo\\": \\"FACTURA B\\", \\"operacion\\": \\"V\\", \\"idioma\\": '
    '\\"1\\", \\"punto_venta\\": 1, \\"numero\\": 0, \\"moneda\\": \\"PES\\", \\"cotizacion\\": \\"1\\", '
    '\\"rubro\\": \\"Servicios\\", \\"rubro_grupo_contable\\": \\"Servicios\\", \\"external_reference\\": '
    '\\"\\", \\"detalle\\": [{\\"cantidad\\": \\"1\\", \\"afecta_stock\\": \\"N\\", \\"producto\\": '
    '{\\"descripcion\\": \\"\\", \\"codigo\\": \\"\\", \\"lista_precios\\": \\"standard\\", \\"leyenda\\": '
    '\\"\\", \\"unidad_bulto\\": 1, \\"alicuota\\": \\"21\\", \\"precio_unitario_sin_iva\\": \\"\\"}}], '
    '\\"total\\": \\"\\"}}","detail":"{\\"Concepto\\": 1, \\"DocTipo\\": 96, \\"DocNro\\": 2, \\"CbteFch\\": '
    '\\"20261201\\", \\"ImpTotal\\": \\"\\", \\"ImpTotConc\\": \\"0.00\\", \\"ImpNeto\\": \\"\\", \\"ImpOpEx\\": '
    '\\"0.00\\", \\"ImpTrib\\": \\"0.00\\", \\"ImpIVA\\": \\"\\", \\"MonId\\": \\"PES\\", \\"MonCotiz\\": \\"1\\", '
    '\\"CondicionIVAReceptorId\\": 5, \\"Iva\\": {\\"AlicIva\\": [{\\"Id\\": 5, \\"BaseImp\\": \\"\\", '
    '\\"Importe\\": \\"\\"}]}}","total":"","audit":[{"at":17,"evento":"aceptado","estado":"encolado"}]}'
).encode("utf-8")

DICTIONARIES = {1: _DICTIONARY_1}
CURRENT_DICTIONARY = 1
# A compressor that has taken in the dictionary and nothing else: each record is compressed by a copy of
# it, which skips hashing the dictionary again (a quarter of a record's compression) and gives the same
# bytes as a new compressor.
_PRIMED = zlib.compressobj(_LEVEL, zlib.DEFLATED, _COMPRESS_WBITS, _MEM_LEVEL, zdict=DICTIONARIES[CURRENT_DICTIONARY])


class UnreadableRecord(ValueError):
    """A stored value that is not a record this code can read (a dictionary it does not know)."""


def encode(doc: dict) -> bytes:
    """The stored value of a record's fields (`doc`, with its `version`)."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    compressor = _PRIMED.copy()
    return f"{doc['version']}:{CURRENT_DICTIONARY}:".encode() + compressor.compress(text) + compressor.flush()


def decode(value: bytes) -> dict:
    _, dictionary, data = value.split(b":", 2)
    if int(dictionary) not in DICTIONARIES:
        raise UnreadableRecord(f"record compressed with dictionary {int(dictionary)}, unknown to this version")
    decompressor = zlib.decompressobj(_WBITS, zdict=DICTIONARIES[int(dictionary)])
    return json.loads(decompressor.decompress(data) + decompressor.flush())


def version_of(prefix: bytes) -> str:
    """The version of a stored value from its first PREFIX_BYTES bytes."""
    return prefix.split(b":", 1)[0].decode()
