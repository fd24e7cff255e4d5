"""A standalone AFIP (WSAA + WSFEv1) over HTTP for the demo, the tests and our users' own testing."""
