"""A verified token's claims become the hub's principal, as the `sso:` config says: the role
from groups or roles claims (the most powerful one a person has), the department and the
partner's shared projects from claims or the config's `partners` table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hub.auth.principal import Principal
from hub.config.sso import IssuerConfig
from hub.store.auth import Role

#: most powerful first: a person in several groups gets the first role any of them gives
PRECEDENCE = (Role.admin, Role.manager, Role.department, Role.viewer, Role.partner)


class NoRole(Exception):
    """The token is valid but says nothing the hub can make a role of (403); the message says
    what it lacks."""


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by name, a dotted name reading nested objects (`realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def groups_of(claims: Mapping[str, Any], settings: IssuerConfig) -> set[str]:
    """Every group and role the claims name."""
    return {g for path in settings.claims.groups for g in _strings(claim(claims, path))}


def name_of(claims: Mapping[str, Any], settings: IssuerConfig) -> str:
    for path in settings.claims.name:
        value = claim(claims, path)
        if isinstance(value, str) and value.strip():
            return value.strip()[:120]
    return str(claims.get("sub", "?"))[:120]


def to_principal(claims: Mapping[str, Any], provider: str, settings: IssuerConfig, *,
                 channel: str = "api") -> Principal:
    """The principal of verified claims; NoRole when they map to no usable role."""
    groups = groups_of(claims, settings)
    role = next((r for r in PRECEDENCE if groups & set(settings.roles.get(r, ()))), None)
    subject = str(claims.get("sub", ""))
    if role is None:
        named = ", ".join(sorted(groups)[:10]) or "none"
        wanted = ", ".join(f"{r.value}: {', '.join(g)}" for r, g in settings.roles.items())
        raise NoRole(f"your identity at {provider} maps to no hub role: your groups/roles are "
                     f"{named}; the hub gives roles to {wanted} (ask IT to add you to one)")
    department = partner = None
    projects: tuple[str, ...] = ()
    if role is Role.department:
        department = _text(claim(claims, settings.claims.department))
        if department is None:
            raise NoRole(f"your identity at {provider} gives the department role but no "
                         f"department (claim {settings.claims.department!r} is missing)")
    if role is Role.partner:
        partner = _text(claim(claims, settings.claims.partner))
        if partner is None:
            raise NoRole(f"your identity at {provider} gives the partner role but names no "
                         f"partner (claim {settings.claims.partner!r} is missing)")
        projects = tuple(sorted(set(_strings(claim(claims, settings.claims.projects))
                                    or settings.partners.get(partner, []))))
        if not projects:
            raise NoRole(f"no project is shared with partner {partner!r} (neither claim "
                         f"{settings.claims.projects!r} nor sso.issuers.{provider}.partners "
                         "names one)")
    exp = claims.get("exp")
    return Principal(token_id=f"sso:{provider}", name=name_of(claims, settings), role=role,
                     department=department, partner=partner, projects=projects,
                     expires_at=datetime.fromtimestamp(exp, UTC)
                     if isinstance(exp, int | float) else None,
                     channel=channel, provider=provider, issuer=settings.issuer,
                     subject=subject)


def _text(value: Any) -> str | None:
    return value.strip()[:120] if isinstance(value, str) and value.strip() else None


def kept_claims(claims: Mapping[str, Any], settings: IssuerConfig) -> dict[str, Any]:
    """What a dashboard session keeps of the ID token and userinfo: enough to map the person
    again with the current config (no token, no nonce)."""
    names = {"sub", "iss", "email", *settings.claims.name, *settings.claims.groups,
             settings.claims.department, settings.claims.partner, settings.claims.projects}
    kept: dict[str, Any] = {}
    for path in names:
        value = claim(claims, path)
        if value is not None:
            kept[path] = value
    return kept
