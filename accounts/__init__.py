"""Accounts: points of sale (CUIT + punto de venta), their credentials, settings and webhook secrets."""
