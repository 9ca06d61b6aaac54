"""The rich menus (the tiles at the bottom of the chat), as code: read from bot/data/richmenu.toml, drawn with
Pillow and the bundled Thai font, and put on the channel with the SDK's rich menu API by
`flask --app wsgi richmenu deploy`.

The citizens' menu is the channel's default. The staff menu is linked to each staff member when they register and
unlinked when they are removed (through the outbox, so a link asked for is never lost). A "switch" tile uses a rich
menu alias (the menu's key) and LINE's richmenuswitch action.

A deploy can be run again safely: a menu's name on the channel carries a digest of its content, so an unchanged menu
is kept as it is; a changed one is made anew, the aliases, the default and the staff are moved to it, and only then
are the bot's old menus deleted, so nobody is left without a menu and nothing is left behind.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.datafile import BUNDLED_DIR, DataFileError, data_file, read_toml
from bot.outbox import enqueue_menu_link
from models import STAFF_ROLES, LineUser, RichMenu, utcnow

log = logging.getLogger(__name__)

FILE_NAME = "richmenu.toml"
# Every menu this bot makes is named so; a deploy replaces only these, never a menu made by hand in the OA Manager.
NAME_PREFIX = "bot:"
# LINE's documented limits for rich menus (https://developers.line.biz/en/reference/messaging-api/#rich-menu).
SIZES = {"large": (2500, 1686), "compact": (2500, 843)}
MAX_CHAT_BAR = 14
MAX_AREAS = 20
MAX_ACTION_LABEL = 20
MAX_MESSAGE_TEXT = 300
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
AUDIENCES = ("citizens", "staff")
# The label's font is the bundled Thai one; the glyphs come from DejaVu Sans, which ships with matplotlib.
LABEL_FONT = BUNDLED_DIR / "fonts" / "Loma.ttf"


class RichMenuFileError(DataFileError):
    """bot/data/richmenu.toml (or the office's copy) is wrong."""


@dataclass(frozen=True)
class Tile:
    label: str
    glyph: str
    alt: str
    text: str | None = None  # sent as the person's message
    switch: str | None = None  # the key of the menu to switch to


@dataclass(frozen=True)
class Style:
    background: str
    tile: str
    accent: str
    label: str


@dataclass(frozen=True)
class MenuSpec:
    key: str
    chat_bar: str
    size: str
    columns: int
    audience: str
    tiles: tuple[Tile, ...]

    @property
    def width(self) -> int:
        return SIZES[self.size][0]

    @property
    def height(self) -> int:
        return SIZES[self.size][1]

    @property
    def rows(self) -> int:
        return -(-len(self.tiles) // self.columns)


@dataclass(frozen=True)
class Menus:
    style: Style
    menus: tuple[MenuSpec, ...]

    def by_audience(self, audience: str) -> MenuSpec | None:
        return next((m for m in self.menus if m.audience == audience), None)


# -- reading the data file ---------------------------------------------------------------------------------------


def load_menus(path: Path | None = None) -> Menus:
    path = path or data_file(FILE_NAME)
    _, document = read_toml(path, RichMenuFileError)
    try:
        style = _style(document.get("style") or {})
        menus = tuple(_menu(entry) for entry in document.get("menu") or [])
        _check_menus(menus)
    except RichMenuFileError as exc:
        raise RichMenuFileError(f"{path.name}: {exc}") from None
    return Menus(style, menus)


def _style(entry: dict[str, Any]) -> Style:
    values = {}
    for name in ("background", "tile", "accent", "label"):
        value = str(entry.get(name, ""))
        if not COLOUR_RE.match(value):
            raise RichMenuFileError(f"style.{name} must be a colour like #1B6E3A, not {value!r}")
        values[name] = value
    return Style(**values)


def _menu(entry: dict[str, Any]) -> MenuSpec:
    key = str(entry.get("key", ""))
    where = f"menu {key!r}"
    if not ALIAS_RE.match(key):
        raise RichMenuFileError(f"{where}: key must be 1-32 letters, digits, - or _")
    chat_bar = str(entry.get("chat_bar", ""))
    if not 1 <= len(chat_bar) <= MAX_CHAT_BAR:
        raise RichMenuFileError(f"{where}: chat_bar must be 1-{MAX_CHAT_BAR} characters")
    size = str(entry.get("size", "large"))
    if size not in SIZES:
        raise RichMenuFileError(f"{where}: size must be one of {', '.join(SIZES)}")
    audience = str(entry.get("audience", ""))
    if audience not in AUDIENCES:
        raise RichMenuFileError(f"{where}: audience must be one of {', '.join(AUDIENCES)}")
    tiles = tuple(_tile(where, i, t) for i, t in enumerate(entry.get("tile") or [], 1))
    if not 1 <= len(tiles) <= MAX_AREAS:
        raise RichMenuFileError(f"{where}: a menu has 1-{MAX_AREAS} tiles")
    columns = entry.get("columns", 3)
    if not isinstance(columns, int) or not 1 <= columns <= len(tiles):
        raise RichMenuFileError(f"{where}: columns must be a whole number from 1 to the number of tiles")
    return MenuSpec(key, chat_bar, size, columns, audience, tiles)


def _tile(where: str, number: int, entry: dict[str, Any]) -> Tile:
    where = f"{where}, tile {number}"
    label, glyph, alt = (str(entry.get(k, "")).strip() for k in ("label", "glyph", "alt"))
    text, switch = entry.get("text"), entry.get("switch")
    if not label:
        raise RichMenuFileError(f"{where}: label is missing")
    if not 1 <= len(alt) <= MAX_ACTION_LABEL:
        raise RichMenuFileError(f"{where}: alt must be 1-{MAX_ACTION_LABEL} characters")
    if (text is None) == (switch is None):
        raise RichMenuFileError(f"{where}: give either text (what it sends) or switch (a menu key), not both")
    if text is not None and not 1 <= len(str(text)) <= MAX_MESSAGE_TEXT:
        raise RichMenuFileError(f"{where}: text must be 1-{MAX_MESSAGE_TEXT} characters")
    if len(glyph) != 1 or not _font_has(glyph):
        raise RichMenuFileError(f"{where}: glyph must be one symbol the font can draw, not {glyph!r}")
    return Tile(label, glyph, alt, str(text) if text is not None else None, str(switch) if switch else None)


def _check_menus(menus: tuple[MenuSpec, ...]) -> None:
    keys = [m.key for m in menus]
    if len(set(keys)) != len(keys):
        raise RichMenuFileError("two menus have the same key")
    if [m.audience for m in menus].count("citizens") != 1:
        raise RichMenuFileError("exactly one menu must have audience = \"citizens\" (the channel's default)")
    for menu in menus:
        for tile in menu.tiles:
            if tile.switch is not None and tile.switch not in keys:
                raise RichMenuFileError(f"menu {menu.key!r}: a tile switches to {tile.switch!r}, which no menu is")


# -- the request and the image -----------------------------------------------------------------------------------


def cell_bounds(menu: MenuSpec, index: int) -> tuple[int, int, int, int]:
    """x, y, width, height of a tile's tap area: the whole grid cell, so a tap between two tiles still counts."""
    row, column = divmod(index, menu.columns)
    left, right = menu.width * column // menu.columns, menu.width * (column + 1) // menu.columns
    top, bottom = menu.height * row // menu.rows, menu.height * (row + 1) // menu.rows
    return left, top, right - left, bottom - top


def action_of(tile: Tile) -> dict[str, Any]:
    if tile.switch is not None:
        return {"type": "richmenuswitch", "label": tile.alt, "richMenuAliasId": tile.switch,
                "data": f"action=richmenu&to={tile.switch}"}
    return {"type": "message", "label": tile.alt, "text": tile.text}


def menu_request(menu: MenuSpec, style: Style) -> dict[str, Any]:
    """The RichMenuRequest body, named with its digest (name_of)."""
    return {**_request_without_name(menu), "name": name_of(menu, style)}


def _request_without_name(menu: MenuSpec) -> dict[str, Any]:
    areas = []
    for i, tile in enumerate(menu.tiles):
        x, y, width, height = cell_bounds(menu, i)
        areas.append({"bounds": {"x": x, "y": y, "width": width, "height": height}, "action": action_of(tile)})
    return {"size": {"width": menu.width, "height": menu.height}, "selected": False,
            "chatBarText": menu.chat_bar, "areas": areas}


def name_of(menu: MenuSpec, style: Style) -> str:
    """bot:<key>:<digest of the request and the drawing's inputs>: equal names, equal menus."""
    content = json.dumps([_request_without_name(menu), [t.label for t in menu.tiles], [t.glyph for t in menu.tiles],
                          style.__dict__], ensure_ascii=False, sort_keys=True)
    return f"{NAME_PREFIX}{menu.key}:{hashlib.sha256(content.encode()).hexdigest()[:12]}"


def draw(menu: MenuSpec, style: Style) -> bytes:
    """The menu's PNG at LINE's size: one rounded tile per cell, a glyph in a disc and a big Thai label."""
    from PIL import Image, ImageDraw  # only when drawing: the webhook links menus, it never draws them

    image = Image.new("RGB", (menu.width, menu.height), style.background)
    canvas = ImageDraw.Draw(image)
    margin = 28
    label_font = _label_font_for(menu)
    for i, tile in enumerate(menu.tiles):
        x, y, width, height = cell_bounds(menu, i)
        box = (x + margin, y + margin, x + width - margin, y + height - margin)
        canvas.rounded_rectangle(box, radius=48, fill=style.tile, outline=style.accent, width=8)
        inner_height = box[3] - box[1]
        radius = int(min(width, inner_height) * 0.2)
        centre = ((box[0] + box[2]) // 2, box[1] + int(inner_height * 0.36))
        canvas.ellipse((centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius),
                       fill=style.accent)
        canvas.text(centre, tile.glyph, font=_glyph_font(int(radius * 1.3)), fill=style.tile, anchor="mm")
        canvas.text(((box[0] + box[2]) // 2, box[1] + int(inner_height * 0.78)), tile.label, font=label_font,
                    fill=style.label, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _label_font_for(menu: MenuSpec) -> Any:
    """One size for every label of a menu, the biggest at which the longest fits its tile."""
    _, _, width, height = cell_bounds(menu, 0)
    max_width, size = width - 4 * 28 - 40, int(height * 0.17)
    while size > 40 and max(_label_font(size).getlength(t.label) for t in menu.tiles) > max_width:
        size -= 4
    return _label_font(size)


@cache
def _label_font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(LABEL_FONT), size)


@cache
def _glyph_font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(_glyph_font_path(), size)


@cache
def _glyph_font_path() -> str:
    import matplotlib  # only for the path of the DejaVu Sans it ships

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")


def _font_has(glyph: str) -> bool:
    """False for a character the font would draw as its empty box (.notdef)."""
    font = _glyph_font(100)
    return font.getmask(glyph).getbbox() != font.getmask("\uffff").getbbox()


# -- putting them on the channel ---------------------------------------------------------------------------------


@dataclass
class DeployResult:
    created: list[str]
    kept: list[str]
    deleted: list[str]
    staff_linked: int


def write_review(menus: Menus, folder: Path) -> list[Path]:
    """--dry-run: each menu's image and request JSON, for a person to look at; nothing is sent."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for menu in menus.menus:
        image, request = folder / f"richmenu-{menu.key}.png", folder / f"richmenu-{menu.key}.json"
        image.write_bytes(draw(menu, menus.style))
        request.write_text(json.dumps(menu_request(menu, menus.style), ensure_ascii=False, indent=2) + "\n",
                           encoding="utf-8")
        written += [image, request]
    return written


def deploy(session: Session, menus: Menus, api: Any, blob_api: Any) -> DeployResult:
    """Create what is missing, move the aliases, the default and the staff to it, then delete the bot's old menus.
    `api` and `blob_api` are the SDK's MessagingApi and MessagingApiBlob."""
    from linebot.v3.messaging import CreateRichMenuAliasRequest, RichMenuRequest, UpdateRichMenuAliasRequest

    existing = {m.name: m.rich_menu_id for m in api.get_rich_menu_list().richmenus}
    result = DeployResult([], [], [], 0)
    ids: dict[str, str] = {}
    for menu in menus.menus:
        name = name_of(menu, menus.style)
        if name in existing:
            ids[menu.key] = existing[name]
            result.kept.append(name)
            continue
        rich_menu_id = api.create_rich_menu(RichMenuRequest.from_dict(menu_request(menu, menus.style))).rich_menu_id
        blob_api.set_rich_menu_image(rich_menu_id, draw(menu, menus.style), _headers={"Content-Type": "image/png"})
        ids[menu.key] = rich_menu_id
        result.created.append(name)

    aliases = {a.rich_menu_alias_id: a.rich_menu_id for a in api.get_rich_menu_alias_list().aliases}
    for key, rich_menu_id in ids.items():
        if key not in aliases:
            api.create_rich_menu_alias(
                CreateRichMenuAliasRequest.from_dict({"richMenuAliasId": key, "richMenuId": rich_menu_id}))
        elif aliases[key] != rich_menu_id:
            api.update_rich_menu_alias(key, UpdateRichMenuAliasRequest.from_dict({"richMenuId": rich_menu_id}))

    citizens = menus.by_audience("citizens")
    assert citizens is not None  # load_menus checks there is one
    api.set_default_rich_menu(ids[citizens.key])
    _remember(session, menus, ids)
    staff_menu = menus.by_audience("staff")
    if staff_menu is not None:
        result.staff_linked = _link_staff(session, ids[staff_menu.key])

    in_use = set(ids.values())
    for name, rich_menu_id in existing.items():
        if name.startswith(NAME_PREFIX) and rich_menu_id not in in_use:
            api.delete_rich_menu(rich_menu_id)
            result.deleted.append(name)
    return result


def _remember(session: Session, menus: Menus, ids: dict[str, str]) -> None:
    """What is now on the channel, and nothing else (a menu taken out of the file is forgotten)."""
    session.execute(delete(RichMenu).where(RichMenu.key.not_in([m.key for m in menus.menus])))
    for menu in menus.menus:
        row = session.get(RichMenu, menu.key) or RichMenu(key=menu.key)
        row.line_rich_menu_id, row.name, row.audience = ids[menu.key], name_of(menu, menus.style), menu.audience
        row.deployed_at = utcnow()
        session.add(row)
    session.flush()


def _link_staff(session: Session, rich_menu_id: str) -> int:
    staff = session.scalars(select(LineUser).where(LineUser.role.in_(STAFF_ROLES))).all()
    for user in staff:
        enqueue_menu_link(session, to=user.line_user_id, rich_menu_id=rich_menu_id)
    return len(staff)


# -- staff come and go -------------------------------------------------------------------------------------------


def staff_menu_id(session: Session) -> str | None:
    """The deployed staff menu, or None when `richmenu deploy` has not made one (staff then see the default)."""
    return session.scalar(select(RichMenu.line_rich_menu_id).where(RichMenu.audience == "staff"))


def link_staff_menu(session: Session, user: LineUser) -> None:
    """A new staff member gets the staff menu (when one is deployed)."""
    rich_menu_id = staff_menu_id(session)
    if rich_menu_id is not None:
        enqueue_menu_link(session, to=user.line_user_id, rich_menu_id=rich_menu_id)


def unlink_staff_menu(session: Session, user: LineUser) -> None:
    """Back to citizen: back to the channel's default menu."""
    if staff_menu_id(session) is not None:
        enqueue_menu_link(session, to=user.line_user_id, rich_menu_id=None)


def tile_texts(menus: Menus) -> Iterable[tuple[str, str]]:
    """(menu key, text) of every tile that sends a message: each must be words the bot understands."""
    return [(m.key, t.text) for m in menus.menus for t in m.tiles if t.text is not None]
