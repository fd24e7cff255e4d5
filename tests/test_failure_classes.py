"""One module decides the class of every failure talking to AFIP."""

from __future__ import annotations

import requests
import urllib3

from afip.failures import (AmbiguousError, AuthError, DataError, NotFound, SequenceError, TransientError,
                           classify_transport, classify_wsaa_fault, classify_wsfe_errors)


def test_wsfe_error_codes():
    assert isinstance(classify_wsfe_errors([(600, "token")], sent_for_authorization=False), AuthError)
    assert isinstance(classify_wsfe_errors([(602, "no data")], sent_for_authorization=False), NotFound)
    assert isinstance(classify_wsfe_errors([(10016, "n")], sent_for_authorization=True), SequenceError)
    assert isinstance(classify_wsfe_errors([(10048, "total")], sent_for_authorization=True), DataError)
    internal = classify_wsfe_errors([(501, "bd")], sent_for_authorization=True)
    assert isinstance(internal, AmbiguousError) and internal.answered
    assert type(classify_wsfe_errors([(502, "bd")], sent_for_authorization=False)) is TransientError
    malformed = classify_wsfe_errors([(500, "Campo Auth no fue ingresado o esta mal formado.")], sent_for_authorization=True)
    assert type(malformed) is DataError
    assert classify_wsfe_errors([], sent_for_authorization=True) is None


def test_wsaa_faults():
    assert type(classify_wsaa_fault("ns1:wsaa.unavailable", "down")) is TransientError
    busy = classify_wsaa_fault("ns1:coe.alreadyAuthenticated", "ya posee TA")
    assert type(busy) is AuthError and not busy.permanent
    assert classify_wsaa_fault("ns1:cms.cert.untrusted", "no").permanent


def test_transport_failures_before_and_after_sending():
    refused = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(
        None, "/", urllib3.exceptions.NewConnectionError(None, "refused")))
    assert type(classify_transport(refused, sent_for_authorization=True)) is TransientError
    assert type(classify_transport(requests.exceptions.ConnectTimeout(), sent_for_authorization=True)) is TransientError
    lost = classify_transport(requests.exceptions.ReadTimeout(), sent_for_authorization=True)
    assert isinstance(lost, AmbiguousError) and not lost.answered
    assert type(classify_transport(requests.exceptions.ReadTimeout(), sent_for_authorization=False)) is TransientError
