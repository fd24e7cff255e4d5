"""AFIP's web services as encola uses them: WSAA login and WSFEv1 through zeep, the failure classes,
and a simulator that speaks both over HTTP. Knows WSFEv1's types only, never TusFacturas' format."""
