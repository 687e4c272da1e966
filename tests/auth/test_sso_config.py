"""The `sso:` section is checked like the rest of the config: file:line, path, what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config.loader import load_config
from hub.errors import ConfigError
from hub.store.auth import Role
from hub.testing.fake import FakeConfig

GOOD = """\
sso:
  issuers:
    keycloak:
      issuer: https://id.example.com/realms/acme/
      audience: hub-api
      client_id: hub-dashboard
      client_secret: ${HUB_SSO_SECRET}
      claims: {groups: [groups, realm_access.roles]}
      roles:
        admin: [hub-admins]
        department: [staff]
      partners:
        Acme: [LAUNCH]
"""


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return load_config(path, {"fake": FakeConfig}, env={"HUB_SSO_SECRET": "from-the-env"})


def test_a_provider_is_read_with_its_secret_from_the_environment(tmp_path: Path) -> None:
    config = _load(tmp_path, GOOD)
    keycloak = config.sso.issuers["keycloak"]  # type: ignore[attr-defined]
    assert keycloak.issuer == "https://id.example.com/realms/acme"
    assert keycloak.audience == ["hub-api"]
    assert keycloak.algorithms == ["RS256", "ES256"]
    assert keycloak.client_secret.get_secret_value() == "from-the-env"
    assert keycloak.roles[Role.department] == ["staff"]
    assert "from-the-env" in config.secrets()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("change", "expected"), [
    (("hub-api", "[]"), "config.yaml:5 sso.issuers.keycloak.audience: a list is not valid: "
                        "list should have at least 1 item"),
    (("      claims:", "      algorithms: [RS256, HS256, none]\n      claims:"),
     "config.yaml:8 sso.issuers.keycloak.algorithms: a list is refused: HS256, none (the hub "
     "takes asymmetric algorithms only"),
    (("https://id.example.com", "http://id.example.com"),
     'config.yaml:4 sso.issuers.keycloak.issuer: "http://id.example.com/realms/acme/" is not '
     "valid: must be an https:// URL"),
    (("        admin:", "        owner:"), "config.yaml:10 sso.issuers.keycloak.roles.owner.[key]: "
                                          "\"owner\" is not valid: input should be 'admin'"),
    (("      claims:", "      leeway: 1h\n      claims:"),
     'config.yaml:8 sso.issuers.keycloak.leeway: "1h" is more clock skew than a token check '
     "should allow (at most 5m)"),
    (("    keycloak:", "    Key Cloak:"), "config.yaml:2 sso.issuers: a mapping is refused: "
                                          "provider name 'Key Cloak'"),
    (("      partners:", "      partner_projects:"), "config.yaml:12 sso.issuers.keycloak."
                                                     'partner_projects: is not a known key (did '
                                                     'you mean "partners"?)'),
])
def test_mistakes_name_the_file_line_and_path(tmp_path: Path, change: tuple[str, str],
                                              expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, GOOD.replace(*change))
    problems = [str(p) for p in info.value.problems]
    assert any(expected in p for p in problems), problems
    assert not any("from-the-env" in p for p in problems)
