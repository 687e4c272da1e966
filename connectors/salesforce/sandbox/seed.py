"""Seeding the sandbox: the connected app's key pair, and accounts with their deals."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.salesforce.sandbox.app import SalesforceSandbox

_INDUSTRIES = ("Retail", "Banking", "Energy", "Healthcare", "Manufacturing")
_OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote",
                "Negotiation/Review")


def make_key_pair() -> tuple[str, str]:
    """A new RSA key pair as (private key PEM, self-signed certificate PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hub connected app")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .sign(key, hashes.SHA256()))
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return private, cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pair(key_file: Path) -> str:
    """The certificate of the key in `key_file` (written, private, when absent): what the
    connected app checks assertions against."""
    from cryptography.hazmat.primitives import serialization

    certificate_file = key_file.with_suffix(".crt")
    if not (key_file.exists() and certificate_file.exists()):
        private, certificate = make_key_pair()
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(private)
        certificate_file.write_text(certificate)
    serialization.load_pem_private_key(key_file.read_bytes(), None)  # a readable key
    return certificate_file.read_text()


def seed(sandbox: SalesforceSandbox, opportunities: int, seed_value: int) -> None:
    """Accounts (one per 10 deals) and `opportunities` open deals."""
    rng = random.Random(seed_value)
    accounts = [sandbox.create_account(f"Customer {n + 1}", Industry=rng.choice(_INDUSTRIES))
                for n in range(max(1, opportunities // 10))] if opportunities else []
    with sandbox.lock:
        for n in range(opportunities):
            account = accounts[n % len(accounts)]
            sandbox.org.create("Opportunity", {
                "Name": f"{account['Name']} deal {n + 1}", "AccountId": account["Id"],
                "StageName": rng.choice(_OPEN_STAGES), "Amount": rng.randrange(5, 500) * 1000,
                "CloseDate": f"2027-{rng.randrange(1, 13):02d}-15",
                "CurrencyIsoCode": "EUR", "OwnerId": sandbox.integration["Id"]})
