"""E-mailing emitted comprobantes to the customer, their A4 PDF attached (docs/email.md): the outbox
written with the `emitido` transition, the SMTP client, and the attempts with their own retry budget.
A mail's failure never touches the comprobante or its webhooks."""
