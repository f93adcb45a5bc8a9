"""Telegram's URL check, as tdlib applies it to URL buttons and text links.

A port of ``LinkManager::check_link`` and ``parse_url`` (tdlib, td/telegram/LinkManager.cpp and
tdutils/td/utils/HttpUrl.cpp): a URL is accepted and stored normalised (the scheme and host in
lower case, ``http://`` added to a bare host, ``/`` as the empty path), or refused with
tdlib's reason ("Wrong HTTP URL" for a host without a dot such as ``localhost``, "Disallowed
character in URL host" for ``not a url``, ...). ``tg://user?id=N`` names a user rather than a
page (``LinkManager::get_link_user_id``).
"""

from __future__ import annotations

import re

__all__ = ["LinkError", "check_link", "link_user_id"]


class LinkError(ValueError):
    """A URL Telegram refuses; the message is tdlib's reason."""


_HOST_EXTRA = set(".-_!$,~*'();&+=")


def _check_part(part: str, name: str, allow_colon: bool) -> None:
    i = 0
    while i < len(part):
        c = part[i]
        if (c.isascii() and c.isalnum()) or c in _HOST_EXTRA or (allow_colon and c == ":"):
            i += 1
            continue
        if c == "%":
            if re.fullmatch(r"[0-9A-Fa-f]{2}", part[i + 1 : i + 3]):
                i += 3
                continue
            raise LinkError(f"Wrong percent-encoded symbol in URL {name}")
        if not c.isascii():  # plain UTF-8 is allowed
            i += 1
            continue
        raise LinkError(f"Disallowed character in URL {name}")


def _parse_url(url: str) -> tuple[str, str, str, int, str, bool]:
    """(protocol, userinfo, host, specified port, query, is_ipv6), as tdlib's parse_url."""
    match = re.match(r"[^:/?#@\[\]]*", url)
    assert match is not None
    protocol = "http"
    rest = url
    if url[match.end() : match.end() + 3] == "://":
        scheme = match.group().lower()
        if scheme not in ("http", "https"):
            raise LinkError("Unsupported URL protocol")
        protocol = scheme
        rest = url[match.end() + 3 :]
    cut = re.search(r"[/?#]", rest)
    authority, query = (rest[: cut.start()], rest[cut.start() :]) if cut else (rest, "")
    port = 0
    userinfo_host = authority
    colon = max(authority.rfind(":"), -1)
    if colon > 0 and colon > authority.rfind("]") and colon > authority.rfind("@"):
        port_text = authority[colon + 1 :].lstrip("0") or "0"
        port = int(port_text) if port_text.isdigit() and int(port_text) > 0 else -1
        userinfo_host = authority[:colon]
    if port < 0 or port > 65535:
        raise LinkError("Wrong port number specified in the URL")
    userinfo, _, host = userinfo_host.rpartition("@")
    is_ipv6 = host.startswith("[") and host.endswith("]") and len(host) > 1
    if not host:
        raise LinkError("URL host is empty")
    if host == ".":
        raise LinkError("Host is invalid")
    query = query.rstrip()
    query = "".join(f"%{ord(c):02X}" if ord(c) <= 0x20 else c for c in query or "/")
    if not query.startswith("/"):
        query = "/" + query
    host = host.lower()
    if is_ipv6:
        if not re.fullmatch(r"\[[0-9a-f:.]*\]", host):
            raise LinkError("Wrong IPv6 URL host")
    else:
        _check_part(host, "host", False)
        _check_part(userinfo, "userinfo", True)
    return protocol, userinfo, host, port, query, is_ipv6


def check_link(link: str) -> str:
    """The URL as Telegram stores it, or :class:`LinkError`: "URL '<link>' is invalid: <reason>"."""
    try:
        return _checked(link)
    except LinkError as problem:
        raise LinkError(f"URL '{link}' is invalid: {problem}") from None


def _checked(link: str) -> str:
    lower = link.lower()
    scheme = next((s for s in ("tg", "ton", "tonsite") if lower.startswith(s + ":")), None)
    rest = link
    if scheme is not None:
        rest = link[len(scheme) + 1 :]
        if rest.startswith("//"):
            rest = rest[2:]
    protocol, userinfo, host, port, query, is_ipv6 = _parse_url(rest)
    if scheme is not None:
        if rest.lower().startswith("http://") or protocol == "https" or userinfo or port or is_ipv6:
            raise LinkError("Wrong tg URL" if scheme == "tg" else "Wrong ton URL")
        allowed = "-_." if scheme == "tonsite" else "-_"
        if any(not (c.isascii() and c.isalnum()) and c not in allowed for c in host):
            raise LinkError("Unallowed characters in URL host")
        if len(query) > 1 and query[1] == "?":
            query = query[1:]
        return f"{scheme}://{host}{query}"
    if "." not in host and not is_ipv6:
        raise LinkError("Wrong HTTP URL")
    authority = f"{userinfo}@{host}" if userinfo else host
    return f"{protocol}://{authority}{f':{port}' if port else ''}{query}"


_USER_LINK = re.compile(r"tg:(?://)?user(?:/)?\?([^#]*)")


def link_user_id(url: str) -> int | None:
    """The user a ``tg://user?id=N`` link names, or None for any other link."""
    match = _USER_LINK.match(url.lower())
    if match is None:
        return None
    for parameter in match.group(1).split("&"):
        key, _, value = parameter.partition("=")
        if key == "id":
            return int(value) if re.fullmatch(r"-?\d+", value) else None
    return None
