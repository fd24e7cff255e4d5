"""AFIP's codes and texts as the simulator answers them, in Spanish as AFIP writes them.

Where a real answer has been seen, its text is used letter for letter (double spaces and missing accents
included): 500 Auth, the 600 variants, 602, 10016 and its CbteFch window for Productos, 10246
(answers from AFIP's homologación; arcasim's wsfev1-codigos.md §2 and §5). For every other code AFIP's real `Msg`
is unknown, and the text is the condition the developer manual (v4.7) states for that code; the
window texts for Servicios and for FCE invoices follow the shape of the observed one.
"""

from __future__ import annotations

# Request level: infrastructure and access ticket.
INTERNAL = {
    500: "Error interno de aplicación.",
    501: "Error interno de base de datos.",
    502: "Error interno de base de datos - Autorizador CAE / Régimen CAEA – Transacción Activa",
}
AUTH_MISSING = "Campo Auth no fue ingresado o esta mal formado."
TOKEN_EMPTY = "ValidacionDeToken: Parametro nulo o vacio (token)"
SIGN_EMPTY = "ValidacionDeToken: Parametro nulo o vacio (sign)"
TOKEN_UNREADABLE = (
    "ValidacionDeToken: No valido token. Excepcion: CargarStringBase64Token: Excepción: CargarNodos: Error al "
    "cargar token XML. Excepcion: Data at the root level is invalid. Line 1, position 1."
)
TOKEN_DATES = "ValidacionDeToken: No validaron las fechas del token. GenTime={gen}, ExpTime={exp}, NowUTC={now}"
TOKEN_SERVICE = "ValidacionDeToken: No valido Id Sistema: wsfe(Id Sistema de token es: {service})"
TOKEN_HASH = "ValidacionDeToken: Error al verificar hash: "
TOKEN_RELATION = "ValidacionDeToken: No apareció CUIT en lista de relaciones: {cuit}"
NO_DATA = "No existen datos en nuestros registros para los parametros ingresados."
NO_POINTS_OF_SALE = "Sin Resultados: - Metodo FEParamGetPtosVenta"

# FECAESolicitar, header (Errors).
CANT_REG_RANGE = (
    "Cantidad de registros de detalle del comprobante o lote de comprobantes de ingreso <CantReg> debe estar "
    "comprendido entre 1 y 9998."
)
CANT_REG_MISMATCH = "Campo CantReg debe ser igual a lo informado en detalle. Informado: {informed}, Enviado:{sent}"
CANT_REG_MAX = (
    "La cantidad de registros en detalle debe ser menor igual al valor permitido. Consulte método "
    "FECompTotXRequest para obtener cantidad máxima de registros por cada requerimiento. Para comprobantes del "
    "tipo MiPyMEs (FCE), la cantidad habilitada es 1 comprobante por request"
)
PTO_VTA_RANGE = "Campo <PtoVta> debe estar comprendido entre 1 y 99998."
CBTE_TIPO_INVALID = (
    "Campo CbteTipo sea: - 01, 02, 03, 04, 05 ,34, 39, 60, 63, 201, 202, 203 para los clase A - 06, 07, 08, 09, "
    "10, 35, 40,64, 61, 206, 207, 208 para los clase B. - 11, 12, 13, 15, 211, 212, 213 para los clase C. - 51, "
    "52, 53, 54 para los clase “A con leyenda operación sujeta a retención”. - 49 para los Bienes Usados. "
    "Consultar método FEParamGetTiposCbte."
)

# FECAESolicitar, numbering and dates.
SEQUENCE = (
    "El numero o fecha del comprobante no se corresponde con el proximo a autorizar. "
    "Consultar metodo FECompUltimoAutorizado."
)
WINDOW_PRODUCTOS = (
    "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N+5 siendo N la fecha de envio del pedido  de "
    "autorizacion para 1 - Productos"
)
WINDOW_SERVICIOS = (
    "Campo CbteFch Debe estar comprendido  en el  rango  N-10 y N+10 siendo N la fecha de envio del pedido  de "
    "autorizacion para {concepto}"
)
WINDOW_FCE_FACTURA = (
    "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N+1 siendo N la fecha de envio del pedido de "
    "autorizacion para Facturas de Credito"
)
WINDOW_FCE_NOTA = (
    "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N siendo N la fecha de envio del pedido de "
    "autorizacion para Facturas de Credito del tipo Nota de Debito o Nota de Credito"
)
CONCEPTOS = {2: "2 - Servicios", 3: "3 - Productos y Servicios"}

DETAIL = {
    10011: "Campo <CbteHasta> sea mayor o igual a <CbteDesde> para comprobantes tipo B. Para comprobantes tipo C "
           "<CbteHasta> debe ser igual a <CbteDesde>.",
    10012: "Para comprobantes clase “A”, “C”, “A con leyenda operación sujeta a retención”, “49” – Bienes Usados y "
           "comprobantes MiPyMEs (FCE) el campo CbteDesde debe ser igual al campo CbteHasta",
    10013: "Para comprobantes clase “A” y “A con leyenda operación sujeta a retención” el campo DocTipo tenga valor "
           "80 (CUIT)",
    10014: "Para comprobantes clase B y CbteHasta distinto a CbteDesde el resultado de la operación ImpTotal / "
           "(CbteHasta –CbteDesde +1) < monto en pesos resultante según RG4444.",
    10018: "Si <ImpIVA> es igual a 0 los objetos <IVA> y <AlicIva> solo deben informarse con ImpIVA = 3 (iva 0) Si "
           "<ImpIVA> es mayor a 0 el objeto <IVA> y <AlicIva> son obligatorios. El objeto <AlicIva> es obligatorio y "
           "no debe ser nulo si ingresa <IVA> No aplica para comprobantes tipo C.",
    10019: "El campo Id en AlicIVA es obligatorio informarlo. Si el tipo de comprobante es 2, 3, 7, 8, 52 o 53 "
           "informarlo es opcional. Siempre que se informe Id, debe ser un valor devuelto por el método "
           "FEParamGetTiposIva. No aplica para comprobantes tipo C.",
    10022: "El campo Id en AlicIVA no debe repetirse. Deberá totalizarse por alícuota. No aplica para comprobantes "
           "tipo C.",
    10023: "La suma de los campos <importe> en <IVA> debe ser igual al valor ingresado en ImpIVA.",
    10024: "Si ImpTrib es mayor a 0 el objeto <Tributos> y <Tributo> son obligatorios. El objeto <Tributo> es "
           "obligatorio y no deber ser nulo si se incluye el objeto <Tributos> Si impTrib es igual a cero el objeto "
           "<Tributos> y <Tributo> no deben enviarse.",
    10025: "El campo <Id> en <Tributo> es obligatorio y debe ser alguno de los devueltos por el método "
           "FEParamGetTiposTributos",
    10029: "La suma de los importes en <Tributo> debe ser igual al valor ingresado en <ImpTrib>",
    10030: "El campo <Concepto> es obligatorio y debe corresponder con algún valor devuelto por el método "
           "FEParamGetTiposConcepto 1 Productos 2 Servicios 3 Productos y Servicios",
    10031: "El campo “fecha desde del servicio a facturar” <FchServDesde> es obligatorio si se informa “fecha hasta "
           "del servicio a facturar” <FchServHasta> y/o “fecha de vencimiento para el pago” <FchVtoPago>.",
    10032: "El campo “fecha desde del servicio a facturar” <FchServDesde> no puede ser posterior al campo “fecha "
           "hasta del servicio a facturar” <FchServHasta>.",
    10033: "El campo “fecha hasta del servicio a facturar” <FchServHasta> es obligatorio si se informa “fecha desde "
           "del servicio a facturar” <FchServDesde> y/o “fecha de vencimiento para el pago” <FchVtoPago>.",
    10035: "El campo “fecha de vencimiento para el pago” <FchVtoPago> es obligatorio si se informa “fecha desde del "
           "servicio a facturar” <FchServDesde> y/o “fecha hasta del servicio a facturar” <FchServHasta>.",
    10036: "El campo “fecha de vencimiento para el pago” <FchVtoPago> no puede ser anterior a la fecha del "
           "comprobante.",
    10037: "El campo <MonId> es obligatorio y debe corresponder a algún valor devuelto por el método "
           "FEParamGetTiposMonedas",
    10038: "El campo <MonCotiz> es obligatorio si no informa el campo CanMisMonExt = S, y de informarse debe ser mayor "
           "a 0.",
    10039: "El campo <MonCotiz> es obligatorio , e igual a 1 cuando se trate de <MonId>=PES",
    10042: "El campo <Desc> en Tributo es obligatorio cuando se informe <Id> = 99.",
    10043: "El campo “Importe neto no gravado” <ImpTotConc>. No puede ser menor a cero (0). Para comprobantes tipo C "
           "debe ser igual a cero (0).",
    10044: "El campo “importe exento” <ImpOpEx>. No puede ser menor a cero (0). Para comprobantes tipo C debe ser "
           "igual a cero (0).",
    10045: "El campo “Importe neto gravado” <ImpNeto>. No puede ser menor a cero (0). Para comprobantes tipo C este "
           "campo corresponde al Importe del Sub Total.",
    10046: "El campo “Importe de tributos” <ImpTrib>. No puede ser menor a cero (0).",
    10047: "El campo “Importe de IVA” <ImpIVA>. No puede ser menor a cero (0). Para comprobantes tipo C debe ser "
           "igual a cero (0).",
    10048: "El campo 'Importe Total' ImpTotal, debe ser igual a la suma de ImpTotConc + ImpNeto + ImpOpEx + ImpTrib + "
           "ImpIVA.",
    10049: "Los campos <FchServDesde>, <FchServHasta>, <FchVtoPago>, es obligatorio cuando el campo <Concepto> es "
           "igual a 2 o 3. Si se informa deberá tener el siguiente formato yyyymmdd.",
    10051: "Los importes informados en AlicIVA se deben corresponder según el tipo de iva seleccionado.",
    10061: "La suma de los campos <BaseImp> en <AlicIva> debe ser igual al valor ingresado en ImpNeto.",
    10065: "El campo “Importe Total” <ImpTotal>. No puede ser menor a cero (0).",
    10069: "El N° de documento del receptor del comprobante no puede ser igual al del emisor.",
    10070: "Si el importe neto es mayor a cero, es obligatorio informar el array de iva.",
    10071: "Si el tipo de comprobante es C, el array de IVA no debe informarse.",
    10119: "Si la moneda es <> PES, el tipo de cambio no podrá ser inferior al 2% ni superior en un 400% del que "
           "suministra arca como orientativo de acuerdo a la cotización oficial. Para poder obtener la cotización ver "
           "Metodo FEParamGetCotizacion.",
    10152: "Si informa fecha de comprobante <CbteFch> para el Concepto del tipo “01 – Productos” con fecha superior a "
           "la fecha de envío de autorización, el mes de la fecha del comprobante <CbteFch> debe coincidir con el mes "
           "de la fecha de envío de autorización.",
    10241: "Si informa MonId = PES, el campo CanMisMonExt no debe informarse o informarse con el valor N.",
    10242: "El campo de identificación de la Condición de IVA del receptor no es un valor permitido. Para mayor "
           "detalle consular el método FEParamGetCondicionIvaReceptor.",
    10243: "El campo de identificación de Condición de IVA del receptor no es valido para la clase de comprobante "
           "informado. Para mas detalle consultar el Método: FEParamGetCondicionIvaReceptor",
    10245: "El campo Condición Frente al IVA del receptor resultará obligatorio conforme lo reglamentado por la "
           "Resolución General N° 5616. Para mas información consular método FEParamGetCondicionIvaReceptor.",
    10246: "Campo Condicion Frente al IVA del receptor es obligatorio conforme a lo reglamentado por la Resolucion "
           "General Nro 5616. Para mas informacion consular metodo FEParamGetCondicionIvaReceptor",
}

# 10015 has one condition per case in the manual; each text is that case's sentence.
DOC_RANGE_CF = (
    "Para comprobantes tipo B en pedidos múltiples (CbteDesde distinto a CbteHasta) y el resultado de la operación "
    "ImpTotal / (CbteHasta – CbteDesde + 1 ) < monto en pesos resultante según RG4444. el campo DocTipo deberá ser "
    "igual a 99, el campo DocNro deberá ser cero (0)."
)
DOC_SINGLE_CF = (
    "Para comprobantes tipo B en pedidos individuales (CbteDesde igual a CbteHasta) y el resultado de la operación "
    "ImpTotal / (CbteHasta – CbteDesde + 1 ) < monto en pesos resultante según RG4444 si el campo DocTipo es igual a "
    "99, el campo DocNro deberá ser cero."
)
DOC_OTHER = (
    "Si el campo DocTipo es distinto de 80, 86 u 87, deberá verificarse que se ingrese uno de los valores devueltos "
    "por el método FEParamGetTiposDoc y que se informe el campo DocNro."
)
DOC_ABOVE_THRESHOLD = (
    "Para pedidos individuales (CbteDesde igual a CbteHasta) tipo B con montos superiores a monto en pesos "
    "resultante según RG4444 el campo DocTipo deberá ser igual a algunos de los valores devueltos por el método "
    "FEParamGetTiposDoc excepto 99 y deberá informar el campo DocNro."
)

# Other operations.
ULTIMO_PTO_VTA = "El PtoVta debe ser válido comprendido entre 1 y 99998"
ULTIMO_CBTE_TIPO = "Debe de ser algunos de los habilitados en este WS. Consultar método FEParamGetTiposCbte"
CONSULTAR = {
    10200: "No ingreso el Punto de Venta o el formato es inválido.",
    10201: "No ingreso el Tipo de Comprobante, o el tipo de comprobante es inválido.",
    10202: "No ingreso el número de comprobante o el formato es inválido.",
}
COTIZACION = {
    12000: "Campo <MonId> debe ser algunos de los habilitados en el presente WS. Para consultar los valores posible "
           "utilizar el método FEParamGetTiposMonedas",
    12001: "Campo <MonId> es obligatorio ingresarlo.",
    12002: "Campo FchCotiz No corresponde a una fecha valida con formato YYYYMMDD",
}
CLASE_CMP_INVALID = (
    "El valor del campo <Cmp_Clase> ingresado para la clase de comprobante no es valido. La clase de Comprobante es "
    "opcional, de ingresar un valor solo puede ser A, B, C, ALEY (A con leyenda ‘operación sujeta a retención’) o 49 "
    "(Bienes Usados),"
)
