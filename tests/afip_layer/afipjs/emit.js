// A third-party AFIP client against encola's AFIP simulator: @afipsdk/afip.js 0.8.1, the last line that
// speaks SOAP itself (WSAA over SOAP 1.1, WSFEv1 over SOAP 1.2, its own 2021 WSDLs, node-forge for the CMS).
// It logs in, reads the last number, emits the next Factura B, reads it back, and has one refused.
// Prints one JSON object; the test decides what it means.
'use strict';

// afip.js reports every call to Mixpanel; a test run does not phone home.
const mixpanel = require.resolve('mixpanel');
require.cache[mixpanel] = { id: mixpanel, filename: mixpanel, loaded: true, exports: { init: () => ({ track() {} }) } };

const Afip = require('@afipsdk/afip.js');

const env = process.env;
const afip = new Afip({ CUIT: Number(env.CUIT), cert: env.CERT, key: env.KEY, res_folder: '/', ta_folder: env.TA_DIR,
                        production: false });
// The addresses are plain fields of afip.js (afip.js's Afip class); only they change.
afip.WSAA_URL = env.WSAA_URL;
afip.ElectronicBilling.URL = env.WSFE_URL;

const ptoVta = Number(env.PTO_VTA);
const today = env.TODAY;  // yyyymmdd in Argentina, from the simulator's clock

function facturaB(number, total) {
  return {
    CantReg: 1, PtoVta: ptoVta, CbteTipo: 6, Concepto: 1, DocTipo: 99, DocNro: 0,
    CbteDesde: number, CbteHasta: number, CbteFch: today,
    ImpTotal: total, ImpTotConc: 0, ImpNeto: 100, ImpOpEx: 0, ImpIVA: 21, ImpTrib: 0,
    MonId: 'PES', MonCotiz: 1,
    // Not in afip.js's 2021 WSDL; node-soap still sends it, in the service's namespace.
    CondicionIVAReceptorId: 5,
    Iva: [{ Id: 5, BaseImp: 100, Importe: 21 }],
  };
}

(async () => {
  const billing = afip.ElectronicBilling;
  const out = {};
  out.status = await billing.getServerStatus();
  out.lastBefore = await billing.getLastVoucher(ptoVta, 6);
  out.voucher = await billing.createNextVoucher(facturaB(undefined, 121));
  out.info = await billing.getVoucherInfo(out.voucher.voucherNumber, ptoVta, 6);
  out.lastAfter = await billing.getLastVoucher(ptoVta, 6);
  try {
    await billing.createVoucher(facturaB(out.lastAfter + 1, 999));
    out.refusal = null;
  } catch (err) {
    out.refusal = err.message;
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
