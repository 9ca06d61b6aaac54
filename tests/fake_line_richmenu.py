"""The rich menu part of the fake LINE server (tests/fake_line.py routes these paths here).

It keeps what LINE keeps (menus, their images, aliases, the default, per-user links) and refuses what LINE refuses:
a body that breaks messaging-api.yml's RichMenuRequest / CreateRichMenuAliasRequest / UpdateRichMenuAliasRequest,
and LINE's documented limits the spec does not carry (https://developers.line.biz/en/reference/messaging-api/):
width 800..2500, height >= 250, width / height >= 1.45; chatBarText <= 14 characters; 1..20 areas, each inside the
image; action labels <= 20, message text <= 300, postback / switch data <= 300; images JPEG or PNG, at most 1 MB, of
exactly the menu's size, uploaded once; an image before a menu may be the default or linked; an alias id of 1..32
letters, digits, - and _, unique, naming an existing menu.
"""

from __future__ import annotations

import re
import struct
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

MAX_IMAGE_BYTES = 1024 * 1024
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

_MENU = re.compile(r"^/v2/bot/richmenu/(richmenu-[0-9a-f]{32})$")
_CONTENT = re.compile(r"^/v2/bot/richmenu/(richmenu-[0-9a-f]{32})/content$")
_DEFAULT = re.compile(r"^/v2/bot/user/all/richmenu(?:/([^/]+))?$")
_ALIAS = re.compile(r"^/v2/bot/richmenu/alias/([^/]+)$")
_USER_LINK = re.compile(r"^/v2/bot/user/([^/]+)/richmenu(?:/([^/]+))?$")


def is_rich_menu_path(path: str) -> bool:
    return path.startswith("/v2/bot/richmenu") or bool(_DEFAULT.match(path) or _USER_LINK.match(path))


def _length(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def _png_or_jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    """(content type, width, height) read from the bytes themselves."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return "image/jpeg", width, height
            i += 2 + length
    return None


def limit_errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    size = body.get("size") or {}
    width, height = size.get("width"), size.get("height")
    if isinstance(width, int) and isinstance(height, int):
        if not 800 <= width <= 2500:
            errors.append(("size.width", "Must be between 800 and 2500"))
        if height < 250:
            errors.append(("size.height", "Must be 250 or more"))
        if height and width / height < 1.45:
            errors.append(("size", "The aspect ratio (width / height) must be at least 1.45"))
    if isinstance(body.get("chatBarText"), str) and _length(body["chatBarText"]) > 14:
        errors.append(("chatBarText", "Length must be between 0 and 14"))
    if isinstance(body.get("name"), str) and _length(body["name"]) > 300:
        errors.append(("name", "Length must be between 0 and 300"))
    areas = body.get("areas") or []
    if not 1 <= len(areas) <= 20:
        errors.append(("areas", "Size must be between 1 and 20"))
    for i, area in enumerate(areas):
        bounds, action = area.get("bounds") or {}, area.get("action") or {}
        x, y, w, h = (bounds.get(k, 0) for k in ("x", "y", "width", "height"))
        if isinstance(width, int) and isinstance(height, int) and (x < 0 or y < 0 or x + w > width or y + h > height):
            errors.append((f"areas[{i}].bounds", "The area must be inside the rich menu image"))
        if isinstance(action.get("label"), str) and _length(action["label"]) > 20:
            errors.append((f"areas[{i}].action.label", "Length must be between 0 and 20"))
        if action.get("type") == "message" and _length(str(action.get("text", ""))) > 300:
            errors.append((f"areas[{i}].action.text", "Length must be between 0 and 300"))
        if action.get("type") in ("postback", "richmenuswitch") and _length(str(action.get("data", ""))) > 300:
            errors.append((f"areas[{i}].action.data", "Length must be between 0 and 300"))
    return errors


@dataclass
class RichMenus:
    """What the channel holds; every request the fake received is in `requests` as (method, path, status)."""

    menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    links: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str, int]] = field(default_factory=list)

    def handle(
        self, method: str, path: str, headers: Any, raw: bytes, body: Any, validate: bool
    ) -> tuple[int, Any, tuple[bytes, str] | None]:
        status, payload, content = self._route(method, path, headers, raw, body, validate)
        self.requests.append((method, path, status))
        return status, payload, content

    def refused(self) -> list[tuple[str, str, int]]:
        return [r for r in self.requests if r[2] >= 400]

    # -- routing ---------------------------------------------------------------------------------------------------

    def _route(
        self, method: str, path: str, headers: Any, raw: bytes, body: Any, validate: bool
    ) -> tuple[int, Any, tuple[bytes, str] | None]:
        if method == "POST" and path == "/v2/bot/richmenu":
            return (*self._create(body, validate), None)
        if method == "GET" and path == "/v2/bot/richmenu/list":
            return 200, {"richmenus": [dict(m) for m in self.menus.values()]}, None
        if method == "GET" and path == "/v2/bot/richmenu/alias/list":
            return 200, {"aliases": [{"richMenuAliasId": a, "richMenuId": m} for a, m in self.aliases.items()]}, None
        if method == "POST" and path == "/v2/bot/richmenu/alias":
            return (*self._create_alias(body, validate), None)
        if content := _CONTENT.match(path):
            return self._content(method, content.group(1), headers, raw)
        if menu := _MENU.match(path):
            return (*self._menu(method, menu.group(1)), None)
        if alias := _ALIAS.match(path):
            return (*self._alias(method, unquote(alias.group(1)), body, validate), None)
        if default := _DEFAULT.match(path):
            return (*self._default(method, default.group(1)), None)
        if link := _USER_LINK.match(path):
            return (*self._link(method, unquote(link.group(1)), link.group(2)), None)
        return 404, {"message": "Not found"}, None

    # -- menus -----------------------------------------------------------------------------------------------------

    def _create(self, body: Any, validate: bool) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 400, {"message": "The request body has 1 error(s)"}
        if validate and (details := self._body_errors("RichMenuRequest", body, limits=True)):
            return 400, {"message": f"The request body has {len(details)} error(s)", "details": details}
        rich_menu_id = f"richmenu-{uuid.uuid4().hex}"
        self.menus[rich_menu_id] = {**body, "richMenuId": rich_menu_id}
        return 200, {"richMenuId": rich_menu_id}

    def _menu(self, method: str, rich_menu_id: str) -> tuple[int, Any]:
        if rich_menu_id not in self.menus:
            return 404, {"message": "Not found"}
        if method == "GET":
            return 200, dict(self.menus[rich_menu_id])
        if method == "DELETE":
            del self.menus[rich_menu_id]
            self.images.pop(rich_menu_id, None)
            if self.default == rich_menu_id:
                self.default = None
            self.links = {u: m for u, m in self.links.items() if m != rich_menu_id}
            return 200, {}
        return 405, {"message": "Method not allowed"}

    def _content(
        self, method: str, rich_menu_id: str, headers: Any, raw: bytes
    ) -> tuple[int, Any, tuple[bytes, str] | None]:
        menu = self.menus.get(rich_menu_id)
        if menu is None:
            return 404, {"message": "Not found"}, None
        if method == "GET":
            image = self.images.get(rich_menu_id)
            return (200, None, image) if image else (404, {"message": "Not found"}, None)
        if method != "POST":
            return 405, {"message": "Method not allowed"}, None
        if rich_menu_id in self.images:
            return 400, {"message": "An image has already been uploaded to the richmenu"}, None
        declared = str(headers.get("Content-Type", "")).split(";")[0].strip().lower()
        found = _png_or_jpeg_size(raw)
        if declared not in ("image/png", "image/jpeg") or found is None or found[0] != declared:
            return 415, {"message": "The image must be a JPEG or PNG, and its Content-Type must say which"}, None
        if len(raw) > MAX_IMAGE_BYTES:
            return 413, {"message": "The image must be at most 1 MB"}, None
        if (found[1], found[2]) != (menu["size"]["width"], menu["size"]["height"]):
            return 400, {"message": "The image size does not match the rich menu's size"}, None
        self.images[rich_menu_id] = (raw, declared)
        return 200, {}, None

    # -- aliases ---------------------------------------------------------------------------------------------------

    def _create_alias(self, body: Any, validate: bool) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 400, {"message": "The request body has 1 error(s)"}
        if validate and (details := self._body_errors("CreateRichMenuAliasRequest", body)):
            return 400, {"message": f"The request body has {len(details)} error(s)", "details": details}
        alias, rich_menu_id = str(body.get("richMenuAliasId")), str(body.get("richMenuId"))
        if not ALIAS_RE.match(alias):
            return 400, {"message": "richMenuAliasId must be 1-32 of [A-Za-z0-9_-]"}
        if alias in self.aliases:
            return 400, {"message": "conflict richmenu alias id"}
        if rich_menu_id not in self.menus or rich_menu_id not in self.images:
            return 400, {"message": "richmenu not found or its image is not uploaded"}
        self.aliases[alias] = rich_menu_id
        return 200, {}

    def _alias(self, method: str, alias: str, body: Any, validate: bool) -> tuple[int, Any]:
        if alias not in self.aliases:
            return 404, {"message": "richmenu alias not found"}
        if method == "GET":
            return 200, {"richMenuAliasId": alias, "richMenuId": self.aliases[alias]}
        if method == "DELETE":
            del self.aliases[alias]
            return 200, {}
        if method != "POST" or not isinstance(body, dict):
            return 400, {"message": "Bad request"}
        if validate and (details := self._body_errors("UpdateRichMenuAliasRequest", body)):
            return 400, {"message": f"The request body has {len(details)} error(s)", "details": details}
        rich_menu_id = str(body.get("richMenuId"))
        if rich_menu_id not in self.menus or rich_menu_id not in self.images:
            return 400, {"message": "richmenu not found or its image is not uploaded"}
        self.aliases[alias] = rich_menu_id
        return 200, {}

    # -- who sees which --------------------------------------------------------------------------------------------

    def _default(self, method: str, rich_menu_id: str | None) -> tuple[int, Any]:
        if method == "GET" and rich_menu_id is None:
            return (200, {"richMenuId": self.default}) if self.default else (404, {"message": "no default richmenu"})
        if method == "DELETE" and rich_menu_id is None:
            self.default = None
            return 200, {}
        if method == "POST" and rich_menu_id:
            if rich_menu_id not in self.images:
                return 400, {"message": "must upload richmenu image before applying it to user"}
            self.default = rich_menu_id
            return 200, {}
        return 405, {"message": "Method not allowed"}

    def _link(self, method: str, user_id: str, rich_menu_id: str | None) -> tuple[int, Any]:
        if method == "POST" and rich_menu_id:
            if rich_menu_id not in self.images:
                return 400, {"message": "must upload richmenu image before applying it to user"}
            self.links[user_id] = rich_menu_id
            return 200, {}
        if method == "DELETE" and rich_menu_id is None:
            self.links.pop(user_id, None)
            return 200, {}
        if method == "GET" and rich_menu_id is None:
            linked = self.links.get(user_id)
            return (200, {"richMenuId": linked}) if linked else (404, {"message": "the user has no richmenu"})
        return 405, {"message": "Method not allowed"}

    @staticmethod
    def _body_errors(schema: str, body: dict[str, Any], *, limits: bool = False) -> list[dict[str, str]]:
        from tests.fake_line import schema_errors  # the shared OpenAPI check (fake_line imports this module)

        found = [*(limit_errors(body) if limits else []), *schema_errors(schema, body)]
        return [{"property": prop, "message": message} for prop, message in found]
