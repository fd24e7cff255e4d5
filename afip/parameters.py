"""WSFEv1's parameter tables, as AFIP answers them (FEParamGet*): encola's documents print their names,
and the simulator serves them and checks requests against them.

Rows are copied from real homologación answers of 2021-07-26 (reingart/pyafipws, tests/cassettes/
test_wsfev1/test_main_parametros.yaml), in the order AFIP listed them. `FchHasta` is the literal string
"NULL", as AFIP writes an empty date. The receiver's IVA conditions come from the WSFEv1 developer
manual's table (RG 5616).
"""

from __future__ import annotations

from decimal import Decimal

NULL = "NULL"

# (Id, Desc, FchDesde)
TIPOS_CBTE = (
    (1, "Factura A", "20100917"), (2, "Nota de Débito A", "20100917"), (3, "Nota de Crédito A", "20100917"),
    (6, "Factura B", "20100917"), (7, "Nota de Débito B", "20100917"), (8, "Nota de Crédito B", "20100917"),
    (4, "Recibos A", "20100917"), (5, "Notas de Venta al contado A", "20100917"), (9, "Recibos B", "20100917"),
    (10, "Notas de Venta al contado B", "20100917"), (63, "Liquidacion A", "20100917"),
    (64, "Liquidacion B", "20100917"), (34, "Cbtes. A del Anexo I, Apartado A,inc.f),R.G.Nro. 1415", "20100917"),
    (35, "Cbtes. B del Anexo I,Apartado A,inc. f),R.G. Nro. 1415", "20100917"),
    (39, "Otros comprobantes A que cumplan con R.G.Nro. 1415", "20100917"),
    (40, "Otros comprobantes B que cumplan con R.G.Nro. 1415", "20100917"),
    (60, "Cta de Vta y Liquido prod. A", "20100917"), (61, "Cta de Vta y Liquido prod. B", "20100917"),
    (11, "Factura C", "20110330"), (12, "Nota de Débito C", "20110330"), (13, "Nota de Crédito C", "20110330"),
    (15, "Recibo C", "20110330"), (49, "Comprobante de Compra de Bienes Usados a Consumidor Final", "20130401"),
    (51, "Factura M", "20150522"), (52, "Nota de Débito M", "20150522"), (53, "Nota de Crédito M", "20150522"),
    (54, "Recibo M", "20150522"), (201, "Factura de Crédito electrónica MiPyMEs (FCE) A", "20181226"),
    (202, "Nota de Débito electrónica MiPyMEs (FCE) A", "20181226"),
    (203, "Nota de Crédito electrónica MiPyMEs (FCE) A", "20181226"),
    (206, "Factura de Crédito electrónica MiPyMEs (FCE) B", "20181226"),
    (207, "Nota de Débito electrónica MiPyMEs (FCE) B", "20181226"),
    (208, "Nota de Crédito electrónica MiPyMEs (FCE) B", "20181226"),
    (211, "Factura de Crédito electrónica MiPyMEs (FCE) C", "20181226"),
    (212, "Nota de Débito electrónica MiPyMEs (FCE) C", "20181226"),
    (213, "Nota de Crédito electrónica MiPyMEs (FCE) C", "20181226"),
)

TIPOS_CONCEPTO = ((1, "Producto", "20100917"), (2, "Servicios", "20100917"), (3, "Productos y Servicios", "20100917"))

TIPOS_DOC = (
    (80, "CUIT", "20080725"), (86, "CUIL", "20080725"), (87, "CDI", "20080725"), (89, "LE", "20080725"),
    (90, "LC", "20080725"), (91, "CI Extranjera", "20080725"), (92, "en trámite", "20080725"),
    (93, "Acta Nacimiento", "20080725"), (95, "CI Bs. As. RNP", "20080725"), (96, "DNI", "20080725"),
    (94, "Pasaporte", "20080725"), (0, "CI Policía Federal", "20080725"), (1, "CI Buenos Aires", "20080725"),
    (2, "CI Catamarca", "20080725"), (3, "CI Córdoba", "20080725"), (4, "CI Corrientes", "20080728"),
    (5, "CI Entre Ríos", "20080728"), (6, "CI Jujuy", "20080728"), (7, "CI Mendoza", "20080728"),
    (8, "CI La Rioja", "20080728"), (9, "CI Salta", "20080728"), (10, "CI San Juan", "20080728"),
    (11, "CI San Luis", "20080728"), (12, "CI Santa Fe", "20080728"), (13, "CI Santiago del Estero", "20080728"),
    (14, "CI Tucumán", "20080728"), (16, "CI Chaco", "20080728"), (17, "CI Chubut", "20080728"),
    (18, "CI Formosa", "20080728"), (19, "CI Misiones", "20080728"), (20, "CI Neuquén", "20080728"),
    (21, "CI La Pampa", "20080728"), (22, "CI Río Negro", "20080728"), (23, "CI Santa Cruz", "20080728"),
    (24, "CI Tierra del Fuego", "20080728"), (99, "Doc. (Otro)", "20080728"),
)

# Id (a string in WSFEv1), Desc, FchDesde; and the rate each Id stands for.
TIPOS_IVA = (
    ("3", "0%", "20090220"), ("4", "10.5%", "20090220"), ("5", "21%", "20090220"), ("6", "27%", "20090220"),
    ("8", "5%", "20141020"), ("9", "2.5%", "20141020"),
)
IVA_RATES = {3: Decimal("0"), 4: Decimal("10.5"), 5: Decimal("21"), 6: Decimal("27"), 8: Decimal("5"), 9: Decimal("2.5")}

TIPOS_MONEDAS = (
    ("PES", "Pesos Argentinos", "20090403"), ("DOL", "Dólar Estadounidense", "20090403"),
    ("002", "Dólar Libre EEUU", "20090416"), ("007", "Florines Holandeses", "20090403"),
    ("010", "Pesos Mejicanos", "20090403"), ("011", "Pesos Uruguayos", "20090403"),
    ("014", "Coronas Danesas", "20090403"), ("015", "Coronas Noruegas", "20090403"),
    ("016", "Coronas Suecas", "20090403"), ("018", "Dólar Canadiense", "20090403"), ("019", "Yens", "20090403"),
    ("021", "Libra Esterlina", "20090403"), ("023", "Bolívar Venezolano", "20090403"),
    ("024", "Corona Checa", "20090403"), ("025", "Dinar Yugoslavo", "20090403"),
    ("026", "Dólar Australiano", "20090403"), ("027", "Dracma Griego", "20090403"),
    ("028", "Florín (Antillas Holandesas)", "20090403"), ("029", "Güaraní", "20090403"),
    ("031", "Peso Boliviano", "20090403"), ("032", "Peso Colombiano", "20090403"),
    ("033", "Peso Chileno", "20090403"), ("034", "Rand Sudafricano", "20090403"),
    ("036", "Sucre Ecuatoriano", "20090403"), ("051", "Dólar de Hong Kong", "20090403"),
    ("052", "Dólar de Singapur", "20090403"), ("053", "Dólar de Jamaica", "20090403"),
    ("054", "Dólar de Taiwan", "20090403"), ("055", "Quetzal Guatemalteco", "20090403"),
    ("056", "Forint (Hungría)", "20090403"), ("057", "Baht (Tailandia)", "20090403"),
    ("059", "Dinar Kuwaiti", "20090403"), ("012", "Real", "20090403"), ("030", "Shekel (Israel)", "20090403"),
    ("035", "Nuevo Sol Peruano", "20090403"), ("060", "Euro", "20090403"), ("040", "Lei Rumano", "20090415"),
    ("042", "Peso Dominicano", "20090415"), ("043", "Balboas Panameñas", "20090415"),
    ("044", "Córdoba Nicaragüense", "20090415"), ("045", "Dirham Marroquí", "20090415"),
    ("046", "Libra Egipcia", "20090415"), ("047", "Riyal Saudita", "20090415"), ("061", "Zloty Polaco", "20090415"),
    ("062", "Rupia Hindú", "20090415"), ("063", "Lempira Hondureña", "20090415"),
    ("064", "Yuan (Rep. Pop. China)", "20090415"), ("009", "Franco Suizo", "20091110"),
    ("041", "Derechos Especiales de Giro", "20100125"), ("049", "Gramos de Oro Fino", "20100125"),
)

TIPOS_OPCIONAL = (
    ("2", "RG Empresas Promovidas - Indentificador de proyecto vinculado a Régimen de Promoción Industrial", "20100917"),
    ("91", "RG Bienes Usados 3411 - Nombre y Apellido o Denominación del vendedor del bien usado.", "20130401"),
    ("92", "RG Bienes Usados 3411 - Nacionalidad del vendedor del bien usado.", "20130401"),
    ("93", "RG Bienes Usados 3411 - Domicilio del vendedor del bien usado.", "20130401"),
    ("5", "Excepcion computo IVA Credito Fiscal", "20141016"),
    ("61", "RG 3668 Impuesto al Valor Agregado - Art.12 IVA Firmante Doc Tipo", "20141016"),
    ("62", "RG 3668 Impuesto al Valor Agregado - Art.12 IVA Firmante Doc Nro", "20141016"),
    ("7", "RG 3668 Impuesto al Valor Agregado - Art.12 IVA Carácter del Firmante", "20141016"),
    ("10", "RG 3.368 Establecimientos de educación pública de gestión privada - Actividad Comprendida", "20150605"),
    ("1011", "RG 3.368 Establecimientos de educación pública de gestión privada - Tipo de Documento", "20150605"),
    ("1012", "RG 3.368 Establecimientos de educación pública de gestión privada - Número de Documento", "20150605"),
    ("11", "RG 2.820 Operaciones económicas vinculadas con bienes inmuebles - Actividad Comprendida", "20150605"),
    ("12", "RG 3.687 Locación temporaria de inmuebles con fines turísticos - Actividad Comprendida", "20150605"),
    ("13", "RG 2.863 Representantes de Modelos", "20160101"),
    ("14", "RG 2.863 Agencias de publicidad", "20160101"),
    ("15", "RG 2.863 Personas físicas que desarrollen actividad de modelaje", "20160101"),
    ("17", "RG 4004-E Locación de inmuebles destino 'casa-habitación'. Dato 2 (dos) = facturación directa / "
           "Dato 1 (uno) = facturación a través de intermediario", "20170309"),
    ("1801", "RG 4004-E Locación de inmuebles destino 'casa-habitación'. Clave Única de Identificación "
             "Tributaria (CUIT).", "20170309"),
    ("1802", "RG 4004-E Locación de inmuebles destino 'casa-habitación'. Apellido y nombres, denominación y/o "
             "razón social.", "20170309"),
    ("2101", "Factura de Crédito Electrónica MiPyMEs (FCE) - CBU del Emisor", "20181226"),
    ("2102", "Factura de Crédito Electrónica MiPyMEs (FCE) - Alias del Emisor", "20181226"),
    ("22", "Factura de Crédito Electrónica MiPyMEs (FCE) - Anulación", "20181226"),
    ("23", "Factura de Crédito Electrónica MiPyMEs (FCE) - Referencia Comercial", "20190308"),
    ("27", "Factura de Credito Electronica MiPyMEs (FCE) - Transferencia", "20201126"),
)

TIPOS_TRIBUTOS = (
    (1, "Impuestos nacionales", "20100917"), (2, "Impuestos provinciales", "20100917"),
    (3, "Impuestos municipales", "20100917"), (4, "Impuestos Internos", "20100917"), (99, "Otro", "20100917"),
    (5, "IIBB", "20170719"), (6, "Percepción de IVA", "20170719"), (7, "Percepción de IIBB", "20170719"),
    (8, "Percepciones por Impuestos Municipales", "20170719"), (9, "Otras Percepciones", "20170719"),
    (13, "Percepción de IVA a no Categorizado", "20170719"),
)

# The receiver's IVA condition (RG 5616) and the classes of comprobante it is valid for. "A" also
# covers 51-54 ("A con leyenda", ALEY) and "49" is Bienes Usados.
CONDICIONES_IVA_RECEPTOR = (
    (1, "IVA Responsable Inscripto", ("A", "C")),
    (4, "IVA Sujeto Exento", ("B", "C")),
    (5, "Consumidor Final", ("B", "C", "49")),
    (6, "Responsable Monotributo", ("A", "C")),
    (7, "Sujeto No Categorizado", ("B", "C")),
    (8, "Proveedor del Exterior", ("B", "C")),
    (9, "Cliente del Exterior", ("B", "C")),
    (10, "IVA Liberado – Ley N° 19.640", ("B", "C")),
    (13, "Monotributista Social", ("A", "C")),
    (15, "IVA No Alcanzado", ("B", "C")),
    (16, "Monotributo Trabajador Independiente Promovido", ("A", "C")),
)
CLASES_CONDICION_IVA = ("A", "ALEY", "B", "C", "49")
